/**
 * The charts panel's data path on a 100 000-step run, in Node (no DOM): how long from an event batch
 * arriving to chart-ready data, how long the first full history takes, and how much memory a panel
 * comparing 8 such runs holds. Drawing itself (uPlot on a canvas) is not measured here.
 *
 * Figures (milliseconds unless named otherwise):
 *   charts.history.readParseEncodeMs   read metrics.jsonl from disk, parse, encode into typed-array columns
 *   charts.history.postMessageCloneMs  structuredClone of the history message (what postMessage copies)
 *   charts.history.toChartReadyMs      webview store load + loss, NPC-band and kNN chart data
 *   charts.batch.toChartReadyMs.p50/p95/max  one live 100 ms batch (10 steps + 1 NPC summary): encode,
 *                                      clone, append, recompute the loss and NPC-band chart data
 *   charts.compare8.storeMiB           typed-array stores of 8 runs (spare capacity included)
 *   charts.compare8.chartDataMiB       the downsampled series handed to uPlot for the 8-run loss + NPC charts
 *   charts.compare8.arrayBuffersMiB    process.memoryUsage().arrayBuffers growth while building the 8 stores
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeEvents } from '../src/host/charts/encodeEvents';
import { MetricsReader } from '../src/host/charts/metricsReader';
import type { HostToChartsMessage } from '../src/shared/chartsMessages';
import { serializeEvent } from '../src/shared/eventLog';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type RunConfig, type RunEvent } from '../src/shared/protocol';
import { chartRun, type ChartRun } from '../webview/charts/data/chartRun';
import type { ChartSpec } from '../webview/charts/data/chartSpec';
import { knnChartSpec } from '../webview/charts/data/knnChart';
import { lossChartSpec } from '../webview/charts/data/lossChart';
import { npcBandsSpec } from '../webview/charts/data/npcBandsChart';
import { RunSeries } from '../webview/charts/data/runSeries';

const STEPS = 100_000;
const NPC_EVERY = 10;
const KNN_EVERY = 1000;
const BATCH_STEPS = 10;
const PLOT_WIDTH = 1200;
const MiB = 1024 * 1024;

const CONFIG = { loss: 'dcl', batchSize: 256, epochs: 100, temperature: 0.1 } as unknown as RunConfig;

function stepEvents(from: number, to: number): RunEvent[] {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const events: RunEvent[] = [];
  for (let step = from; step < to; step++) {
    const time = new Date(t0 + step * 100).toISOString();
    const epoch = Math.floor(step / 1000);
    events.push({ type: 'step', step, epoch, time, loss: 6 * Math.exp(-step / 30000) + 0.2 * Math.sin(step * 12.9898), lr: 0.001, imagesPerSecond: 2500 });
    if (step % NPC_EVERY === 0) {
      const m = 0.98 - 0.2 * (step / STEPS);
      const percentiles = NPC_PERCENTILES.map((p) => m - 0.3 + 0.006 * p);
      const histogram = Array.from({ length: NPC_HISTOGRAM_BINS }, (_, b) => Math.round(512 * Math.exp(-(((b / NPC_HISTOGRAM_BINS - m) * 8) ** 2))));
      events.push({ type: 'npc', step, epoch, time, summary: { count: 512, mean: m, std: 0.1, cv: 0.1 / m, percentiles, histogram } });
    }
    if (step % KNN_EVERY === 0) events.push({ type: 'knn', step, epoch, time, accuracy: 0.1 + 0.8 * (1 - Math.exp(-step / 20000)), k: 200, t: 0.1 });
  }
  return events;
}

function startedEvent(): RunEvent {
  return {
    type: 'started', step: 0, epoch: 0, time: '2026-01-01T00:00:00.000Z', schemaVersion: 1, config: CONFIG,
    backend: { name: 'bench', tfjsVersion: '-', details: [] }, totalSteps: STEPS, trainSize: 256_000, testSize: 10_000,
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** What the visible tab computes on each redraw (the loss tab; the NPC tab is of the same order). */
function chartReady(runs: ChartRun[]): ChartSpec[] {
  return [
    lossChartSpec(runs, { xAxis: 'step', smoothing: 0.6, logY: false, buckets: PLOT_WIDTH }),
    npcBandsSpec(runs, { xAxis: 'step', buckets: PLOT_WIDTH }),
  ];
}

function specBytes(specs: ChartSpec[]): number {
  let bytes = 0;
  for (const spec of specs) {
    bytes += spec.x.length * 8;
    for (const s of spec.series) bytes += s.values.length * 8; // doubles or tagged values, 8 bytes each
  }
  return bytes;
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
}

export async function benchCharts(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const history = [startedEvent(), ...stepEvents(0, STEPS)];

  // First open: the host reads the whole log, the webview loads it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-bench-charts-'));
  try {
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, history.map(serializeEvent).join(''));
    const t0 = performance.now();
    const read = await new MetricsReader(file).readNew();
    results['charts.history.readParseEncodeMs'] = performance.now() - t0;
    const message: HostToChartsMessage = { type: 'history', run: 0, batch: read.batch };
    const [cloned, cloneMs] = time(() => structuredClone(message));
    results['charts.history.postMessageCloneMs'] = cloneMs;
    const series = new RunSeries();
    const [, readyMs] = time(() => {
      if (cloned.type === 'history') series.reset(cloned.batch);
      const run = chartRun(series, 'bench', CONFIG);
      return [...chartReady([run]), knnChartSpec([run])];
    });
    results['charts.history.toChartReadyMs'] = readyMs;

    // Live: batches of 10 steps on top of the 100 000-step history.
    const latencies: number[] = [];
    for (let b = 0; b < 200; b++) {
      const from = STEPS + b * BATCH_STEPS;
      const events = stepEvents(from, from + BATCH_STEPS);
      const [, ms] = time(() => {
        const msg = structuredClone({ type: 'append', run: 0, batch: encodeEvents(events) } as HostToChartsMessage);
        if (msg.type === 'append') series.append(msg.batch);
        return chartReady([chartRun(series, 'bench', CONFIG)]);
      });
      latencies.push(ms);
    }
    results['charts.batch.toChartReadyMs.p50'] = percentile(latencies, 50);
    results['charts.batch.toChartReadyMs.p95'] = percentile(latencies, 95);
    results['charts.batch.toChartReadyMs.max'] = Math.max(...latencies);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Eight compared runs of 100 000 steps each, as one panel holds them.
  const batch = encodeEvents(history);
  const before = process.memoryUsage().arrayBuffers;
  const stores = Array.from({ length: 8 }, () => {
    const s = new RunSeries();
    s.reset(structuredClone(batch));
    return s;
  });
  results['charts.compare8.arrayBuffersMiB'] = (process.memoryUsage().arrayBuffers - before) / MiB;
  results['charts.compare8.storeMiB'] = stores.reduce((n, s) => n + s.byteLength, 0) / MiB;
  const runs = stores.map((s, i) => chartRun(s, `run ${i}`, CONFIG));
  const [specs, compareMs] = time(() => chartReady(runs));
  results['charts.compare8.chartDataMiB'] = specBytes(specs) / MiB;
  results['charts.compare8.toChartReadyMs'] = compareMs;
  return results;
}
