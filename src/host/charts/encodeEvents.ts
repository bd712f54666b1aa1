/**
 * Turns parsed run events into the column batches the charts webview receives. Events the charts do not
 * draw (epoch summaries, checkpoints, embeddings) are dropped here so they never cross the channel.
 */
import { NPC_SUMMARY_COLUMNS, type ColumnLayout, type KnnColumns, type LifecycleEvent, type NpcColumns, type SeriesBatch, type StepColumns } from '../../shared/chartsMessages';
import type { KnnEvent, LinearEvent, NpcEvent, NpcSummary, RunEvent, StepEvent } from '../../shared/protocol';
import { withoutSupersededSteps } from './resumedHistory';

/** Milliseconds since the Unix epoch; NaN for an unparseable timestamp (the point then has no wall time). */
function timeMs(iso: string): number {
  return Date.parse(iso);
}

function encodeSteps(events: StepEvent[]): StepColumns {
  const n = events.length;
  const cols: StepColumns = {
    step: new Float64Array(n),
    epoch: new Float64Array(n),
    time: new Float64Array(n),
    loss: new Float64Array(n),
    lr: new Float64Array(n),
    imagesPerSecond: new Float64Array(n),
  };
  events.forEach((e, i) => {
    cols.step[i] = e.step;
    cols.epoch[i] = e.epoch;
    cols.time[i] = timeMs(e.time);
    cols.loss[i] = numberOrNaN(e.loss);
    cols.lr[i] = numberOrNaN(e.lr);
    cols.imagesPerSecond[i] = numberOrNaN(e.imagesPerSecond);
  });
  return cols;
}

function encodeNpc(events: NpcEvent[]): NpcColumns {
  const n = events.length;
  const cols: Record<string, Float64Array | Float32Array> = { step: new Float64Array(n), epoch: new Float64Array(n), time: new Float64Array(n) };
  const fields = Object.entries(NPC_SUMMARY_COLUMNS) as [Extract<keyof NpcSummary, string>, ColumnLayout][];
  for (const [key, layout] of fields) cols[key] = (layout.float32 ? new Float32Array(n * layout.width) : new Float64Array(n * layout.width)).fill(layout.missing);
  events.forEach((e, i) => {
    cols.step[i] = e.step;
    cols.epoch[i] = e.epoch;
    cols.time[i] = timeMs(e.time);
    // Read defensively: an event from an older or hand-edited file may lack fields or hold other types.
    const s = e.summary as unknown as Partial<Record<string, unknown>> | undefined;
    for (const [key, { width }] of fields) {
      const value = s?.[key];
      if (width === 1) cols[key][i] = numberOrNaN(value);
      // Extra values are dropped and missing ones keep their fixed slot's `missing` value, so rows never shift.
      else if (Array.isArray(value)) for (let j = 0; j < Math.min(value.length, width); j++) cols[key][i * width + j] = numberOrNaN(value[j]);
    }
  });
  return cols as unknown as NpcColumns;
}

function encodeKnn(events: KnnEvent[]): KnnColumns {
  const n = events.length;
  const cols: KnnColumns = {
    step: new Float64Array(n),
    epoch: new Float64Array(n),
    time: new Float64Array(n),
    accuracy: new Float64Array(n),
    k: new Float64Array(n),
  };
  events.forEach((e, i) => {
    cols.step[i] = e.step;
    cols.epoch[i] = e.epoch;
    cols.time[i] = timeMs(e.time);
    cols.accuracy[i] = numberOrNaN(e.accuracy);
    cols.k[i] = numberOrNaN(e.k);
  });
  return cols;
}

function numberOrNaN(x: unknown): number {
  return typeof x === 'number' ? x : NaN;
}

function isLifecycle(e: RunEvent): e is LifecycleEvent {
  return e.type === 'started' || e.type === 'finished' || e.type === 'stopped' || e.type === 'failed' || e.type === 'resumed';
}

export function encodeEvents(events: readonly RunEvent[], badLines = 0): SeriesBatch {
  const steps: StepEvent[] = [];
  const npc: NpcEvent[] = [];
  const knn: KnnEvent[] = [];
  const linear: LinearEvent[] = [];
  const lifecycle: LifecycleEvent[] = [];
  for (const e of withoutSupersededSteps(events)) {
    if (e.type === 'step') steps.push(e);
    else if (e.type === 'npc') npc.push(e);
    else if (e.type === 'knn') knn.push(e);
    else if (e.type === 'linear') linear.push(e);
    else if (isLifecycle(e)) lifecycle.push(e);
  }
  return { steps: encodeSteps(steps), npc: encodeNpc(npc), knn: encodeKnn(knn), lifecycle, linear, badLines };
}

export function emptyBatch(): SeriesBatch {
  return encodeEvents([]);
}

export function batchIsEmpty(b: SeriesBatch): boolean {
  return b.steps.step.length === 0 && b.npc.step.length === 0 && b.knn.step.length === 0 && b.lifecycle.length === 0 && b.linear.length === 0 && b.badLines === 0;
}

function concatColumns<T extends object>(parts: T[]): T {
  const first = parts[0];
  const out: Record<string, Float64Array | Float32Array> = {};
  for (const key of Object.keys(first) as (keyof T & string)[]) {
    const arrays = parts.map((p) => p[key] as unknown as Float64Array | Float32Array);
    const total = arrays.reduce((n, a) => n + a.length, 0);
    const joined = arrays[0] instanceof Float32Array ? new Float32Array(total) : new Float64Array(total);
    let at = 0;
    for (const a of arrays) {
      joined.set(a, at);
      at += a.length;
    }
    out[key] = joined;
  }
  return out as unknown as T;
}

/** Joins consecutive batches into one, e.g. the chunks of a large metrics.jsonl read as one history. */
export function concatBatches(batches: SeriesBatch[]): SeriesBatch {
  if (batches.length === 0) return emptyBatch();
  if (batches.length === 1) return batches[0];
  return {
    steps: concatColumns(batches.map((b) => b.steps)),
    npc: concatColumns(batches.map((b) => b.npc)),
    knn: concatColumns(batches.map((b) => b.knn)),
    lifecycle: batches.flatMap((b) => b.lifecycle),
    linear: batches.flatMap((b) => b.linear),
    badLines: batches.reduce((n, b) => n + b.badLines, 0),
  };
}
