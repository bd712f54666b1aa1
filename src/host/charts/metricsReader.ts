/**
 * The charts' view of one run's metrics.jsonl: what was appended since the last read (src/host/runs/
 * eventLogReader.ts, shared with the run list), encoded as a column batch for the webview.
 */
import type { SeriesBatch } from '../../shared/chartsMessages';
import { EventLogReader } from '../runs/eventLogReader';
import { encodeEvents } from './encodeEvents';
import { hasResume } from './resumedHistory';

export interface MetricsRead {
  /** The file shrank or was replaced: the batch is the whole new history, not an append. */
  reset: boolean;
  batch: SeriesBatch;
  /** Bytes consumed by this read. */
  bytes: number;
}

export class MetricsReader {
  private log: EventLogReader;

  constructor(
    readonly file: string,
    private readonly chunkBytes?: number,
  ) {
    this.log = new EventLogReader(file, chunkBytes);
  }

  /** Bytes of the file already turned into events. */
  get consumedBytes(): number {
    return this.log.consumedBytes;
  }

  /**
   * Reads what was appended since the last call. A missing file reads as nothing new. An append holding a
   * `resumed` event comes back as the whole history (reset): the points it supersedes were sent already.
   */
  async readNew(): Promise<MetricsRead> {
    const startedAt = this.log.consumedBytes;
    const read = await this.log.readNew();
    if (!read.reset && startedAt > 0 && hasResume(read.events)) {
      this.log = new EventLogReader(this.file, this.chunkBytes);
      const whole = await this.log.readNew();
      return { reset: true, batch: encodeEvents(whole.events, whole.badLines.length), bytes: whole.bytes };
    }
    return { reset: read.reset, batch: encodeEvents(read.events, read.badLines.length), bytes: read.bytes };
  }
}
