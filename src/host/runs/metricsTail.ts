/**
 * Follows a run's append-only metrics.jsonl (through eventLogReader.ts, the one incremental reader) and folds
 * the new events into the summary the run list shows; corrupt lines are skipped and their line numbers kept.
 */
import { EventLogReader } from './eventLogReader';
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
  /** Top-1 of the latest linear evaluation in [0, 1]. */
  linearAccuracy?: number;
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
    case 'linear':
      s.linearAccuracy = e.accuracy;
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
  private readonly log: EventLogReader;
  private summaryValue = emptySummary();

  constructor(file: string) {
    this.log = new EventLogReader(file);
  }

  get summary(): MetricsSummary {
    return this.summaryValue;
  }

  /** Reads what was appended since the last call; returns the new events (empty when nothing changed). */
  async read(): Promise<RunEvent[]> {
    const read = await this.log.readNew();
    if (read.reset) this.summaryValue = emptySummary();
    for (const event of read.events) foldEvent(this.summaryValue, event);
    for (const line of read.badLines) this.summaryValue.badLines.push(line);
    return read.events;
  }
}
