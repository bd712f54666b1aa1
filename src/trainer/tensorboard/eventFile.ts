/**
 * A TensorBoard event file in the run folder, `events.out.tfevents.<unix seconds>.<host>`, written beside
 * metrics.jsonl from the same events so `tensorboard --logdir .dcl/runs` lists every run by its folder.
 *
 * Like metrics.jsonl it is append-only and each record reaches the file in one synchronous write before the
 * next step. A crash can still tear the last record; TensorBoard would stop reading the file there, so on
 * opening a run folder any earlier event file's torn tail is cut back to its last whole record, and a new file
 * is started (TensorBoard reads all of a folder's event files, in name order).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../../shared/protocol';
import { encodeEvent, FILE_VERSION, type TbEvent } from './eventProto';
import { frameRecord, intactLength } from './recordFraming';
import { summariesOf } from './runSummaries';

export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

/** Cuts a torn or damaged tail off each existing event file in `dir`. */
export function repairEventFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(EVENT_FILE_PREFIX)) continue;
    const file = path.join(dir, name);
    const bytes = fs.readFileSync(file);
    const keep = intactLength(bytes);
    if (keep < bytes.length) fs.truncateSync(file, keep);
  }
}

function newFileName(dir: string, now: Date): string {
  // TensorBoard's own writer names files this way; the host part must not contain a path separator.
  const base = `${EVENT_FILE_PREFIX}${Math.floor(now.getTime() / 1000)}.${os.hostname().replace(/[\\/]/g, '_')}`;
  let name = base;
  for (let n = 1; fs.existsSync(path.join(dir, name)); n++) name = `${base}.${n}`;
  return name;
}

export class TensorBoardEventFile {
  readonly file: string;
  private readonly fd: number;

  constructor(dir: string, now = new Date()) {
    repairEventFiles(dir);
    this.file = path.join(dir, newFileName(dir, now));
    this.fd = fs.openSync(this.file, 'a');
    this.writeRecord({ wallTime: now.getTime() / 1000, step: 0, fileVersion: FILE_VERSION });
  }

  /** Appends the event's scalars and histograms (if it has any) at its step and time. */
  write(event: RunEvent): void {
    const value = summariesOf(event);
    if (value.length === 0) return;
    this.writeRecord({ wallTime: Date.parse(event.time) / 1000, step: event.step, summary: { value } });
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private writeRecord(event: TbEvent): void {
    fs.writeSync(this.fd, frameRecord(encodeEvent(event)));
  }
}
