/**
 * Reading and writing the files of one run folder (layout in docs/CONTRACT.md). Writes go through a
 * temporary file and a rename so a reader (this window's poller, another window, the CLI) never sees half
 * a status.json.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createRunFolder as createFolder } from '../../runFolder/createRunFolder';
import { writeJsonAtomicAsync } from '../../runFolder/atomicWrite';
import { asRunStatus } from '../../runFolder/status';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type RunConfig, type RunStatus } from '../../shared/protocol';

// One definition of what a status is and of the atomic write, shared with the trainer, launchers and CLI.
export { asRunStatus, isTerminal, TERMINAL_STATES } from '../../runFolder/status';

export type JsonRead = { ok: true; value: unknown } | { ok: false; missing: boolean; problem: string };

export async function readJsonFile(file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, missing, problem: missing ? `${file} does not exist` : `cannot read ${file}: ${(e as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, missing: false, problem: `${file} is not valid JSON (${(e as Error).message})` };
  }
}

export async function readStatus(runDir: string): Promise<RunStatus | undefined> {
  const read = await readJsonFile(path.join(runDir, RUN_FILES.status));
  if (!read.ok) return undefined;
  const status = asRunStatus(read.value);
  return typeof status === 'string' ? undefined : status;
}

export async function writeStatus(runDir: string, status: RunStatus): Promise<void> {
  await writeJsonAtomicAsync(path.join(runDir, RUN_FILES.status), status);
}

/**
 * Records the end of a run on behalf of a trainer that could not (killed, crashed, never started). The
 * fields the trainer wrote (backend, step, final numbers) are kept.
 */
export async function markEnded(runDir: string, state: 'stopped' | 'failed', error?: string, now = new Date()): Promise<RunStatus> {
  const previous = await readStatus(runDir);
  const status: RunStatus = {
    ...(previous ?? { schemaVersion: EVENT_SCHEMA_VERSION, createdAt: now.toISOString() }),
    state,
    endedAt: now.toISOString(),
  };
  if (error !== undefined) status.error = error;
  await writeStatus(runDir, status);
  return status;
}

/** Two-digit helper for the run id's timestamp. */
const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The folder name of a new run, like the CLI's: local date and time, loss and batch size, e.g.
 * `20250301-142355-dcl-b256`. Sorting names sorts runs by start; the rest makes a listing readable.
 */
export function runIdBase(config: Pick<RunConfig, 'loss' | 'batchSize'>, now: Date): string {
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${date}-${time}-${config.loss}-b${config.batchSize}`;
}

/**
 * Creates `<runsRoot>/<runId>/` with config.json and a `queued` status.json, and returns its path: the shared
 * createRunFolder (the runs folder made so that it ends even under /proc, the run's folder exclusively, so two windows
 * starting runs in the same second get `<base>` and `<base>-2`, and nothing half-made left on a full disk).
 */
export function createRunFolder(runsRoot: string, config: RunConfig, now = new Date()): Promise<string> {
  const base = runIdBase(config, now);
  // Synchronous underneath (a folder and two small files); the promise keeps callers as they were, a throw a rejection.
  return new Promise((resolve) => resolve(createFolder(runsRoot, config, (attempt) => (attempt === 1 ? base : `${base}-${attempt}`), now)));
}
