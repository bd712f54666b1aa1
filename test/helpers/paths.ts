import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, found from the bundled test's folder (tests may be built outside dist-test/). */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dcl-explorer') return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('cannot find the dcl-explorer repository root');
}

export const fixture = (...parts: string[]): string => path.join(repoRoot(), 'test', 'fixtures', ...parts);
