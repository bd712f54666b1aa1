/**
 * Reading and writing the files of one run folder (layout in docs/CONTRACT.md). Writes go through a
 * temporary file and a rename so a reader (this window's poller, another window, the CLI) never sees half
 * a status.json.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type RunConfig, type RunState, type RunStatus } from '../../shared/protocol';

export const TERMINAL_STATES: readonly RunState[] = ['finished', 'stopped', 'failed'];

export const isTerminal = (state: RunState | undefined): boolean => state !== undefined && TERMINAL_STATES.includes(state);

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n', 'utf8');
  await fs.rename(tmp, file);
}

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

const RUN_STATES: readonly RunState[] = ['queued', 'running', 'finished', 'stopped', 'failed', 'interrupted'];

/** A status.json as written by the trainer, or why it cannot be used. */
export function asRunStatus(value: unknown): RunStatus | string {
  if (typeof value !== 'object' || value === null) return 'status.json is not a JSON object';
  const s = value as Partial<RunStatus>;
  if (typeof s.state !== 'string' || !RUN_STATES.includes(s.state)) return `status.json has no valid "state" (got ${JSON.stringify(s.state)})`;
  if (typeof s.createdAt !== 'string') return 'status.json has no "createdAt" timestamp';
  return s as RunStatus;
}

export async function readStatus(runDir: string): Promise<RunStatus | undefined> {
  const read = await readJsonFile(path.join(runDir, RUN_FILES.status));
  if (!read.ok) return undefined;
  const status = asRunStatus(read.value);
  return typeof status === 'string' ? undefined : status;
}

export async function writeStatus(runDir: string, status: RunStatus): Promise<void> {
  await writeJsonAtomic(path.join(runDir, RUN_FILES.status), status);
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
 * Creates `<runsRoot>/<runId>/` with config.json and a `queued` status.json, and returns its path.
 * mkdir without `recursive` fails when the name is taken, which makes the choice of a free name atomic
 * even when two windows start runs in the same second.
 */
export async function createRunFolder(runsRoot: string, config: RunConfig, now = new Date()): Promise<string> {
  await fs.mkdir(runsRoot, { recursive: true });
  const base = runIdBase(config, now);
  for (let attempt = 1; ; attempt++) {
    const runDir = path.join(runsRoot, attempt === 1 ? base : `${base}-${attempt}`);
    try {
      await fs.mkdir(runDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 1000) continue;
      throw new Error(`cannot create the run folder ${runDir}: ${(e as Error).message}`);
    }
    await writeJsonAtomic(path.join(runDir, RUN_FILES.config), config);
    const status: RunStatus = { schemaVersion: EVENT_SCHEMA_VERSION, state: 'queued', createdAt: now.toISOString() };
    await writeStatus(runDir, status);
    return runDir;
  }
}
