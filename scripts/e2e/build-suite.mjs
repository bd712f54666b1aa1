// Bundles the end-to-end suite (test/e2e/*.e2e.ts) into dist-test-e2e/, one file per suite, like the unit
// tests are bundled into dist-test/: sources and helpers inlined, npm packages (playwright-core) external.
// A separate folder and suffix keep `npm test` from running these.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const outdir = join(root, 'dist-test-e2e');
const suites = readdirSync(join(root, 'test', 'e2e')).filter((f) => f.endsWith('.e2e.ts'));
if (suites.length === 0) throw new Error('no test/e2e/*.e2e.ts suites found');

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: suites.map((f) => join('test', 'e2e', f)),
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
