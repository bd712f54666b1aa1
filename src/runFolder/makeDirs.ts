/**
 * `mkdir -p` that always ends. Node's recursive mkdir loops forever at 100 % CPU where a parent exists but mkdir
 * answers ENOENT (anything under /proc), so the missing levels are made one at a time, top down, each with a plain
 * mkdir whose error is final.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Creates `dir` and its missing parents; throws one line naming the level that could not be made, why, and the fix. */
export function makeDirs(dir: string, what: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch {
      stat = undefined;
    }
    if (stat) {
      if (!stat.isDirectory()) throw new Error(`cannot create the ${what} ${dir}: ${d} is not a folder; choose another path`);
      break;
    }
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(d).isDirectory()) continue; // made by another process meanwhile
      throw new Error(`cannot create the ${what} ${dir}: mkdir ${d} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable path`);
    }
  }
}
