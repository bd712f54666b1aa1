/**
 * Incremental reader of one run's append-only metrics.jsonl: each call reads only the bytes added since the
 * last one, up to the last complete line, and encodes them as a column batch. The file is read in bounded
 * chunks so a 100 000-step history never becomes one giant string.
 */
import * as fs from 'node:fs';
import type { SeriesBatch } from '../../shared/chartsMessages';
import { parseEventLines } from '../../shared/eventLog';
import { concatBatches, emptyBatch, encodeEvents } from './encodeEvents';

const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export interface MetricsRead {
  /** The file shrank or was replaced: the batch is the whole new history, not an append. */
  reset: boolean;
  batch: SeriesBatch;
  /** Bytes consumed by this read. */
  bytes: number;
}

export class MetricsReader {
  private offset = 0;
  private inode: number | undefined;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    readonly file: string,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Bytes of the file already turned into events. */
  get consumedBytes(): number {
    return this.offset;
  }

  /** Reads what was appended since the last call. A missing file reads as nothing new. */
  async readNew(): Promise<MetricsRead> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { reset: false, batch: emptyBatch(), bytes: 0 };
      throw e;
    }
    try {
      const stat = await handle.stat();
      // A shorter file or a new inode means the log was truncated or rewritten: start over from byte 0.
      const reset = stat.size < this.offset || (this.inode !== undefined && stat.ino !== this.inode);
      if (reset) this.offset = 0;
      this.inode = stat.ino;
      const start = this.offset;
      const batches: SeriesBatch[] = [];
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
        batches.push(encodeEvents(parsed.events, parsed.badLines.length));
        this.offset += lastNewline + 1;
      }
      return { reset, batch: concatBatches(batches), bytes: this.offset - start };
    } finally {
      await handle.close();
    }
  }
}
