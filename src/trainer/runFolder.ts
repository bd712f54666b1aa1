/**
 * The run folder the trainer owns: config.json, status.json (rewritten atomically), metrics.jsonl
 * (append-only, one event per line, written synchronously so each event is on disk before the next step)
 * and log.txt. Readers (the extension, other tools) only ever see whole files or whole lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeEvent } from '../shared/eventLog';
import { createRunFolder as createFolder } from '../runFolder/createRunFolder';
import { writeJsonAtomic } from '../runFolder/atomicWrite';
import { readJsonFile } from '../runFolder/readJsonFile';
import { endsMidLine } from '../runFolder/fileTail';
import { asRunStatus } from '../runFolder/status';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type RunConfig, type RunEvent, type RunStatus } from '../shared/protocol';

// The trainer's writers (checkpoint.ts, npcProfile.ts) take the one atomic write from here.
export { writeJsonAtomic };

/** `20261128-120501-dcl-b256-3f9a`: sortable by time, readable, unique enough for one machine. */
export function newRunId(config: Pick<RunConfig, 'loss' | 'batchSize'>, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const rand = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${config.loss}-b${config.batchSize}-${rand}`;
}

/** Creates `<runsDir>/<id>/` with config.json and a `queued` status (see createRunFolder.ts: exclusive, never half-made). */
export function createRunFolder(config: RunConfig, cwd = process.cwd()): string {
  return createFolder(path.resolve(cwd, config.runsDir), config, () => newRunId(config));
}

/** An existing status.json, or one line naming the file when it is torn or not a status (never V8's bare JSON error). */
function readStatusFile(file: string): RunStatus {
  const status = asRunStatus(readJsonFile(file));
  if (typeof status === 'string') throw new Error(`${file}: ${status}; the run folder is damaged (start a new run, or restore the file)`);
  return status;
}

export class RunFolder {
  private status: RunStatus;
  private readonly metricsFd: number;
  private readonly logFd: number;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const statusFile = path.join(dir, RUN_FILES.status);
    this.status = fs.existsSync(statusFile)
      ? readStatusFile(statusFile)
      : { schemaVersion: EVENT_SCHEMA_VERSION, state: 'queued', createdAt: new Date().toISOString() };
    const metrics = path.join(dir, RUN_FILES.metrics);
    const torn = endsMidLine(metrics);
    this.metricsFd = fs.openSync(metrics, 'a');
    // A torn last line (the previous writer died mid-event) is left for readers to skip; the next event must not be
    // glued onto it, so it starts on a fresh line.
    if (torn) fs.writeSync(this.metricsFd, '\n');
    this.logFd = fs.openSync(path.join(dir, RUN_FILES.log), 'a');
  }

  readConfig(): unknown {
    const file = path.join(this.dir, RUN_FILES.config);
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist; a run folder needs its config.json (create one with "dcl-explorer train")`);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
    }
  }

  writeConfig(config: RunConfig): void {
    writeJsonAtomic(path.join(this.dir, RUN_FILES.config), config);
  }

  updateStatus(patch: Partial<RunStatus>): RunStatus {
    this.status = { ...this.status, ...patch, schemaVersion: EVENT_SCHEMA_VERSION };
    writeJsonAtomic(path.join(this.dir, RUN_FILES.status), this.status);
    return this.status;
  }

  get currentStatus(): RunStatus {
    return this.status;
  }

  appendEvent(event: RunEvent): void {
    fs.writeSync(this.metricsFd, serializeEvent(event));
  }

  log(line: string): void {
    fs.writeSync(this.logFd, `${new Date().toISOString()} ${line}\n`);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  close(): void {
    fs.closeSync(this.metricsFd);
    fs.closeSync(this.logFd);
  }
}
