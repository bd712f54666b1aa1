/**
 * Turns parsed run events into the column batches the charts webview receives. Events the charts do not
 * draw (epoch summaries, checkpoints, embeddings) are dropped here so they never cross the channel.
 */
import type { KnnColumns, LifecycleEvent, NpcColumns, SeriesBatch, StepColumns } from '../../shared/chartsMessages';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type KnnEvent, type LinearEvent, type NpcEvent, type RunEvent, type StepEvent } from '../../shared/protocol';

const PERCENTILE_COUNT = NPC_PERCENTILES.length;

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
  const cols: NpcColumns = {
    step: new Float64Array(n),
    epoch: new Float64Array(n),
    time: new Float64Array(n),
    count: new Float64Array(n),
    mean: new Float64Array(n),
    std: new Float64Array(n),
    cv: new Float64Array(n),
    percentiles: new Float64Array(n * PERCENTILE_COUNT).fill(NaN),
    histogram: new Float32Array(n * NPC_HISTOGRAM_BINS),
  };
  events.forEach((e, i) => {
    const s = e.summary;
    cols.step[i] = e.step;
    cols.epoch[i] = e.epoch;
    cols.time[i] = timeMs(e.time);
    cols.count[i] = numberOrNaN(s?.count);
    cols.mean[i] = numberOrNaN(s?.mean);
    cols.std[i] = numberOrNaN(s?.std);
    cols.cv[i] = numberOrNaN(s?.cv);
    // A summary written with other percentile levels or bin counts keeps its fixed slots: missing ones stay NaN
    // (percentiles) or 0 (bins) rather than shifting every later row.
    const p = Array.isArray(s?.percentiles) ? s.percentiles : [];
    for (let j = 0; j < Math.min(p.length, PERCENTILE_COUNT); j++) cols.percentiles[i * PERCENTILE_COUNT + j] = numberOrNaN(p[j]);
    const h = Array.isArray(s?.histogram) ? s.histogram : [];
    for (let j = 0; j < Math.min(h.length, NPC_HISTOGRAM_BINS); j++) cols.histogram[i * NPC_HISTOGRAM_BINS + j] = numberOrNaN(h[j]);
  });
  return cols;
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
  return e.type === 'started' || e.type === 'finished' || e.type === 'stopped' || e.type === 'failed';
}

export function encodeEvents(events: readonly RunEvent[], badLines = 0): SeriesBatch {
  const steps: StepEvent[] = [];
  const npc: NpcEvent[] = [];
  const knn: KnnEvent[] = [];
  const linear: LinearEvent[] = [];
  const lifecycle: LifecycleEvent[] = [];
  for (const e of events) {
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
