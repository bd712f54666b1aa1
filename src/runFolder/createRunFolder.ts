/**
 * The one way a run folder comes into being, for the CLI, the sweep commands and the extension host: the runs folder
 * is made with makeDirs (it ends, even under /proc), the run's own folder exclusively (plain mkdir; a name taken, even
 * by a run started the same second elsewhere, means the next name), and a folder whose config.json and `queued`
 * status.json cannot be written (a full disk) is removed again, so nothing half-made is left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type RunConfig, type RunStatus } from '../shared/protocol';
import { writeJsonAtomic } from './atomicWrite';
import { makeDirs } from './makeDirs';

/** How many names a new run folder tries before giving up. */
const CREATE_ATTEMPTS = 1000;

/** Creates `<runsDir>/<name>/` with config.json and a `queued` status; `nameFor(attempt)` (from 1) names each try. */
export function createRunFolder(runsDir: string, config: RunConfig, nameFor: (attempt: number) => string, now = new Date()): string {
  makeDirs(runsDir, 'runs folder (--runs-dir)');
  const dir = makeExclusiveDir(runsDir, nameFor);
  try {
    writeJsonAtomic(path.join(dir, RUN_FILES.config), config);
    writeJsonAtomic(path.join(dir, RUN_FILES.status), { schemaVersion: EVENT_SCHEMA_VERSION, state: 'queued', createdAt: now.toISOString() } satisfies RunStatus);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const fix = code === 'ENOSPC' ? 'the disk is full; free space or choose another --runs-dir' : 'choose another --runs-dir';
    throw new Error(`cannot initialise a run folder in ${runsDir} (${code}); nothing was kept: ${fix}`);
  }
  return dir;
}

function makeExclusiveDir(parent: string, nameFor: (attempt: number) => string): string {
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    const dir = path.join(parent, nameFor(attempt));
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot create a run folder in ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable --runs-dir`);
      }
    }
  }
  throw new Error(`${CREATE_ATTEMPTS} new run folder names in ${parent} were all taken; remove stale folders from it`);
}
