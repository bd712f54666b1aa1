/**
 * The charts' view of one run's metrics.jsonl: what was appended since the last read (src/host/runs/
 * eventLogReader.ts, shared with the run list), encoded as a column batch for the webview.
 */
import type { SeriesBatch } from '../../shared/chartsMessages';
import { EventLogReader } from '../runs/eventLogReader';
import { encodeEvents } from './encodeEvents';

export interface MetricsRead {
  /** The file shrank or was replaced: the batch is the whole new history, not an append. */
  reset: boolean;
  batch: SeriesBatch;
  /** Bytes consumed by this read. */
  bytes: number;
}

export class MetricsReader {
  private readonly log: EventLogReader;

  constructor(
    readonly file: string,
    chunkBytes?: number,
  ) {
    this.log = new EventLogReader(file, chunkBytes);
  }

  /** Bytes of the file already turned into events. */
  get consumedBytes(): number {
    return this.log.consumedBytes;
  }

  /** Reads what was appended since the last call. A missing file reads as nothing new. */
  async readNew(): Promise<MetricsRead> {
    const read = await this.log.readNew();
    return { reset: read.reset, batch: encodeEvents(read.events, read.badLines.length), bytes: read.bytes };
  }
}
