/** status.json as every reader and writer of a run folder (trainer, host, launchers, CLI) sees it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, RUN_STATES, TERMINAL_STATES, type RunState, type RunStatus } from '../shared/protocol';
import { writeJsonAtomic } from './atomicWrite';

export { TERMINAL_STATES };

export const isTerminal = (state: RunState | undefined): boolean => state !== undefined && TERMINAL_STATES.includes(state);

/** A status.json as written by the trainer, or why it cannot be used. */
export function asRunStatus(value: unknown): RunStatus | string {
  if (typeof value !== 'object' || value === null) return 'status.json is not a JSON object';
  const s = value as Partial<RunStatus>;
  if (typeof s.state !== 'string' || !RUN_STATES.includes(s.state)) return `status.json has no valid "state" (got ${JSON.stringify(s.state)})`;
  if (typeof s.createdAt !== 'string') return 'status.json has no "createdAt" timestamp';
  return s as RunStatus;
}

/** The run's status, or undefined when status.json is missing, torn or not a status. */
export function readRunStatus(runDir: string): RunStatus | undefined {
  try {
    const status = asRunStatus(JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.status), 'utf8')));
    return typeof status === 'string' ? undefined : status;
  } catch {
    return undefined;
  }
}

export function writeRunStatus(runDir: string, status: RunStatus): void {
  writeJsonAtomic(path.join(runDir, RUN_FILES.status), status);
}
