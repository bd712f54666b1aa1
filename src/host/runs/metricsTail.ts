/**
 * Follows a run's append-only metrics.jsonl: each read picks up only the bytes written since the last
 * one, and folds the new events into the summary the run list shows. A torn last line (the trainer is
 * mid-write) is left for the next read; corrupt lines are skipped and their line numbers kept.
 */
import * as fs from 'node:fs/promises';
import { parseEventLines } from '../../shared/eventLog';
import type { BackendInfo, RunConfig, RunEvent } from '../../shared/protocol';

export interface MetricsSummary {
  eventCount: number;
  /** 1-based line numbers of metrics.jsonl that are not valid events. */
  badLines: number[];
  config?: RunConfig;
  backend?: BackendInfo;
  totalSteps?: number;
  step?: number;
  epoch?: number;
  /** Loss of the latest step (or the final loss once finished). */
  loss?: number;
  /** Latest kNN top-1 accuracy in [0, 1]. */
  knnAccuracy?: number;
  bestKnnAccuracy?: number;
  lastEventTime?: string;
  /** The reason of a `failed` or `stopped` event. */
  endReason?: string;
}

export const emptySummary = (): MetricsSummary => ({ eventCount: 0, badLines: [] });

/** Folds one event into the summary (mutates it: it is called per event on long logs). */
export function foldEvent(s: MetricsSummary, e: RunEvent): void {
  s.eventCount++;
  s.lastEventTime = e.time;
  s.step = Math.max(s.step ?? 0, e.step);
  s.epoch = Math.max(s.epoch ?? 0, e.epoch);
  switch (e.type) {
    case 'started':
      s.config = e.config;
      s.backend = e.backend;
      s.totalSteps = e.totalSteps;
      break;
    case 'step':
      s.loss = e.loss;
      break;
    case 'knn':
      s.knnAccuracy = e.accuracy;
      s.bestKnnAccuracy = Math.max(s.bestKnnAccuracy ?? 0, e.accuracy);
      break;
    case 'finished':
      s.loss = e.loss;
      s.knnAccuracy = e.knnAccuracy;
      s.bestKnnAccuracy = Math.max(s.bestKnnAccuracy ?? 0, e.knnAccuracy);
      break;
    case 'failed':
    case 'stopped':
      s.endReason = e.reason;
      break;
    default:
      break;
  }
}

export class MetricsTail {
  private offset = 0;
  private linesBefore = 0;
  private lastSize = -1;
  private summaryValue = emptySummary();

  constructor(private readonly file: string) {}

  get summary(): MetricsSummary {
    return this.summaryValue;
  }

  /** Reads what was appended since the last call; returns the new events (empty when nothing changed). */
  async read(): Promise<RunEvent[]> {
    let size: number;
    try {
      size = (await fs.stat(this.file)).size;
    } catch {
      if (this.lastSize !== -1) this.reset(); // the file went away (run deleted or rewritten)
      return [];
    }
    if (size < this.offset) this.reset(); // truncated or replaced: start over
    this.lastSize = size;
    if (size === this.offset) return [];
    const handle = await fs.open(this.file, 'r');
    let chunk: Buffer;
    try {
      chunk = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
      chunk = chunk.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    const text = chunk.toString('utf8');
    const parsed = parseEventLines(text);
    for (const event of parsed.events) foldEvent(this.summaryValue, event);
    for (const line of parsed.badLines) this.summaryValue.badLines.push(this.linesBefore + line);
    const consumedText = chunk.subarray(0, parsed.consumed).toString('utf8');
    this.linesBefore += (consumedText.match(/\n/g) ?? []).length;
    this.offset += parsed.consumed;
    return parsed.events;
  }

  private reset(): void {
    this.offset = 0;
    this.linesBefore = 0;
    this.lastSize = -1;
    this.summaryValue = emptySummary();
  }
}
