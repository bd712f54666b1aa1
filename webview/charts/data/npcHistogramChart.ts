/**
 * The NPC multiplier's histogram at chosen steps, overlaid so its drift over training is visible. Counts
 * become shares of the batch's multipliers, so runs with different batch sizes compare on one axis.
 */
import { NPC_HISTOGRAM_BINS } from '../../../src/shared/protocol';
import type { ChartSpec, SeriesSpec } from './chartSpec';
import type { ChartRun } from './chartRun';
import type { DataTable } from './table';

const BINS = NPC_HISTOGRAM_BINS;

export interface HistogramSelection {
  /** The step the slider points at; null follows the latest logged step. */
  step: number | null;
  /** Further steps to overlay (single-run view). */
  pinned: readonly number[];
}

/** Index of the logged step nearest to `step` (ties go to the earlier one); -1 when nothing is logged. */
export function nearestRow(steps: ArrayLike<number>, step: number): number {
  const n = steps.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(steps[lo - 1] - step) <= Math.abs(steps[lo] - step)) return lo - 1;
  return lo;
}

/** Row `row` of the histogram matrix as percentages of its total (NaN for an empty row). */
export function histogramShares(histogram: ArrayLike<number>, row: number): Float64Array {
  const out = new Float64Array(BINS);
  let total = 0;
  for (let b = 0; b < BINS; b++) total += histogram[row * BINS + b];
  for (let b = 0; b < BINS; b++) out[b] = total > 0 ? (100 * histogram[row * BINS + b]) / total : NaN;
  return out;
}

/**
 * x: the left edge of each bin plus the right edge 1. A step-after line over these 51 points draws every
 * bin as a flat segment across its own width; the last value is repeated to close the final bin.
 */
export function binEdges(): Float64Array {
  const x = new Float64Array(BINS + 1);
  for (let b = 0; b <= BINS; b++) x[b] = b / BINS;
  return x;
}

function closed(shares: Float64Array): Float64Array {
  const out = new Float64Array(BINS + 1);
  out.set(shares);
  out[BINS] = shares[BINS - 1];
  return out;
}

/** The steps the slider moves over: those of the run that logged the most NPC summaries. */
export function histogramSteps(runs: readonly ChartRun[]): Float64Array {
  let best: Float64Array = new Float64Array(0);
  for (const run of runs) if (run.series.npc.step.length > best.length) best = run.series.npc.step;
  return best;
}

/** The step the selection resolves to (the latest when following), or null when nothing is logged. */
export function selectedStep(runs: readonly ChartRun[], selection: HistogramSelection): number | null {
  const steps = histogramSteps(runs);
  if (steps.length === 0) return null;
  if (selection.step === null) return steps[steps.length - 1];
  return steps[nearestRow(steps, selection.step)];
}

export function npcHistogramSpec(runs: readonly ChartRun[], selection: HistogramSelection): ChartSpec {
  const series: SeriesSpec[] = [];
  const current = selectedStep(runs, selection);
  if (runs.length === 1) {
    const npc = runs[0].series.npc;
    const rows = new Set<number>();
    for (const p of selection.pinned) {
      const row = nearestRow(npc.step, p);
      if (row >= 0) rows.add(row);
    }
    const currentRow = current === null ? -1 : nearestRow(npc.step, current);
    rows.delete(currentRow);
    [...rows].sort((a, b) => a - b).forEach((row, i) => {
      series.push({ label: `step ${npc.step[row]}`, values: closed(histogramShares(npc.histogram, row)), color: (i % 7) + 1, style: 'step', width: 1.25, opacity: 0.85, format: 'percent' });
    });
    if (currentRow >= 0) {
      series.push({ label: `step ${npc.step[currentRow]}`, values: closed(histogramShares(npc.histogram, currentRow)), color: 0, style: 'step', width: 2.5, format: 'percent' });
    }
  } else if (current !== null) {
    runs.forEach((run, r) => {
      const row = nearestRow(run.series.npc.step, current);
      if (row < 0) return;
      series.push({ label: `${run.label} @ step ${run.series.npc.step[row]}`, values: closed(histogramShares(run.series.npc.histogram, row)), color: r, style: 'step', width: 2, format: 'percent' });
    });
  }
  return {
    id: 'npcHistogram',
    title: 'NPC multiplier histogram',
    xLabel: 'NPC multiplier q',
    yLabel: 'share of multipliers (%)',
    xFormat: 'number',
    yScale: 'linear',
    xRange: [0, 1],
    yMin: 0,
    x: binEdges(),
    series,
    bands: [],
  };
}

/** The drawn histograms as a table: one row per bin, one column per overlaid step. */
export function histogramTable(spec: ChartSpec): DataTable {
  const lo = Array.from({ length: BINS }, (_, b) => b / BINS);
  const hi = Array.from({ length: BINS }, (_, b) => (b + 1) / BINS);
  return {
    header: ['bin_low', 'bin_high', ...spec.series.map((s) => `${s.label} share_%`)],
    columns: [lo, hi, ...spec.series.map((s) => Array.from({ length: BINS }, (_, b) => s.values[b] as number))],
  };
}
