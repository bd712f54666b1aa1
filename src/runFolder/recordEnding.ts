/**
 * Records how a run ended when its training loop cannot: the trainer process is going down outside it (an uncaught
 * exception, an unhandled rejection, process.exit, a throw while the run folder was opened, a module that failed to
 * load), a quit came before training started, or a launcher stopped a run that never started. status.json gets the
 * state and the reason (`error`), and metrics.jsonl, where the trainer opened it, a matching `stopped`/`failed` event
 * on a fresh line. Synchronous and never throws: it runs on the way out of a process. On a full disk, where the atomic
 * replacement has no room for its temporary copy, status.json is rewritten in place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeEvent } from '../shared/eventLog';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type RunStatus } from '../shared/protocol';
import { isTerminal, readRunStatus, writeRunStatus } from './status';
import { endsMidLine, readTail } from './fileTail';

export interface EndingOptions {
  /**
   * The process that owns the run: a `running` status recorded by another pid (a trainer still alive elsewhere, or
   * the dead trainer of an interrupted run that a refused resume left alone) is not touched.
   */
  pid?: number;
  /** More for log.txt (a stack trace), beside the reason. */
  detail?: string;
  now?: Date;
}

/** How many bytes at the end of metrics.jsonl are searched for the last event's step and epoch. */
const TAIL_BYTES = 64 * 1024;

/**
 * Whether a run in this status still waits for its trainer's last word, and `pid` may give it: queued (the trainer
 * never got to say `running`), or running by `pid`. Finished, stopped and failed runs keep what they say.
 */
export function awaitsEnding(status: RunStatus | undefined, pid?: number): boolean {
  if (!status) return true;
  if (isTerminal(status.state)) return false;
  if (status.state === 'queued') return true;
  return status.state === 'running' && (pid === undefined || status.pid === undefined || status.pid === pid);
}

/**
 * Ends the run as `state` with `reason`, unless it already ended or belongs to another process (see awaitsEnding).
 * Returns whether status.json now says so.
 */
export function recordEnding(runDir: string, state: 'failed' | 'stopped', reason: string, options: EndingOptions = {}): boolean {
  let status: RunStatus | undefined;
  try {
    status = readRunStatus(runDir);
    // A missing status.json in a folder with no config.json is no run folder: nothing to record there.
    if (!status && !fs.existsSync(path.join(runDir, RUN_FILES.config))) return false;
  } catch {
    return false;
  }
  if (!awaitsEnding(status, options.pid)) return false;
  const now = (options.now ?? new Date()).toISOString();
  const metrics = path.join(runDir, RUN_FILES.metrics);
  const last = lastProgress(metrics);
  const step = last?.step ?? status?.step ?? 0;
  const epoch = last?.epoch ?? status?.epoch ?? 0;
  ignoreFailure(() => {
    if (!fs.existsSync(metrics)) return; // the trainer never opened the folder: status.json alone tells it
    const torn = endsMidLine(metrics);
    fs.appendFileSync(metrics, `${torn ? '\n' : ''}${serializeEvent({ type: state, reason, step, epoch, time: now })}`);
  });
  ignoreFailure(() => fs.appendFileSync(path.join(runDir, RUN_FILES.log), `${now} ${state}: ${reason}${options.detail ? `\n${options.detail}` : ''}\n`));
  const ended: RunStatus = { ...(status ?? { schemaVersion: EVENT_SCHEMA_VERSION, createdAt: now }), state, endedAt: now, error: reason, step, epoch };
  try {
    writeRunStatus(runDir, ended);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') return false;
    // A full disk has no block for the temporary copy, but the status.json there has one: rewrite it in place
    // rather than leave the run `queued` or `running` for ever (a reader may see it torn for a moment, never wrong).
    return rewriteInPlace(path.join(runDir, RUN_FILES.status), JSON.stringify(ended, null, 2) + '\n');
  }
}

/** Overwrites an existing file without allocating: written over its old bytes from the start, then cut to length. */
function rewriteInPlace(file: string, text: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r+');
    const data = Buffer.from(text);
    fs.writeSync(fd, data, 0, data.length, 0);
    fs.ftruncateSync(fd, data.length);
    return true;
  } catch {
    return false; // status.json keeps what it said
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function ignoreFailure(write: () => void): void {
  try {
    write();
  } catch {
    // status.json, which every reader trusts, is written regardless.
  }
}

/** The step and epoch of the last whole event in metrics.jsonl. */
function lastProgress(file: string): { step: number; epoch: number } | undefined {
  const text = readTail(file, TAIL_BYTES);
  if (!text) return undefined;
  const lines = text.split('\n');
  lines.pop(); // empty after the last newline, or a torn line
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const e = JSON.parse(lines[i]) as { step?: unknown; epoch?: unknown };
      if (typeof e.step === 'number' && typeof e.epoch === 'number') return { step: e.step, epoch: e.epoch };
    } catch {
      // the first line of the tail may be cut; look further back
    }
  }
  return undefined;
}
