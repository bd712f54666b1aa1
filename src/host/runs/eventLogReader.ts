/**
 * The one incremental reader of a run's append-only metrics.jsonl on the host: each call reads only the bytes
 * added since the last one, up to the last complete line, in bounded chunks (a 100 000-step history never
 * becomes one giant string). A torn last line (the trainer is mid-write) stays unread until it is finished;
 * corrupt complete lines are skipped and reported by their line number in the file. The run list
 * (metricsTail.ts) folds the events into a summary; the charts (charts/metricsReader.ts) encode them as columns.
 */
import * as fs from 'node:fs';
import { parseEventLines } from '../../shared/eventLog';
import type { RunEvent } from '../../shared/protocol';

const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface EventLogRead {
  /** The file shrank, was replaced or went away: `events` start the history over (empty if it is gone). */
  reset: boolean;
  /** The file does not exist (yet, or any more). */
  missing: boolean;
  events: RunEvent[];
  /** 1-based line numbers, in the whole file, of complete lines that are not valid events. */
  badLines: number[];
  /** Bytes consumed by this read. */
  bytes: number;
}

export class EventLogReader {
  private offset = 0;
  private inode: number | undefined;
  private linesBefore = 0;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    readonly file: string,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Bytes of the file already turned into events. */
  get consumedBytes(): number {
    return this.offset;
  }

  /** Reads what was appended since the last call. */
  async readNew(): Promise<EventLogRead> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // A file that was there and is gone (the run was deleted or is being rewritten) restarts the history.
      const hadFile = this.inode !== undefined;
      this.restart();
      return { reset: hadFile, missing: true, events: [], badLines: [], bytes: 0 };
    }
    try {
      const stat = await handle.stat();
      // A shorter file or a new inode means the log was truncated or rewritten: start over from byte 0.
      const reset = stat.size < this.offset || (this.inode !== undefined && stat.ino !== this.inode);
      if (reset) this.restart();
      this.inode = stat.ino;
      const start = this.offset;
      const events: RunEvent[] = [];
      const badLines: number[] = [];
      let chunkBytes = this.chunkBytes;
      while (this.offset < stat.size) {
        const want = Math.min(chunkBytes, stat.size - this.offset);
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, this.offset);
        if (bytesRead === 0) break;
        // Cut at the last newline byte: 0x0A never occurs inside a multi-byte UTF-8 sequence, so the cut is
        // always on a character boundary. A torn last line stays unread until the writer finishes it.
        const lastNewline = buffer.lastIndexOf(NEWLINE, bytesRead - 1);
        if (lastNewline < 0) {
          if (this.offset + bytesRead >= stat.size) break;
          chunkBytes *= 2; // a single line longer than the chunk: read more at once
          continue;
        }
        const text = this.decoder.decode(buffer.subarray(0, lastNewline + 1));
        const parsed = parseEventLines(text);
        for (const e of parsed.events) events.push(e);
        for (const line of parsed.badLines) badLines.push(this.linesBefore + line);
        this.linesBefore += countNewlines(buffer, lastNewline + 1);
        this.offset += lastNewline + 1;
      }
      return { reset, missing: false, events, badLines, bytes: this.offset - start };
    } finally {
      await handle.close();
    }
  }

  private restart(): void {
    this.offset = 0;
    this.linesBefore = 0;
    this.inode = undefined;
  }
}

function countNewlines(buffer: Buffer, end: number): number {
  let n = 0;
  for (let i = buffer.indexOf(NEWLINE, 0); i >= 0 && i < end; i = buffer.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
