/** The loss curve: raw and debiased-EMA-smoothed loss per run, downsampled to the plot's width. */
import { alignSets, type XYSet } from './align';
import { logScaleFor, type ChartSpec, type SeriesSpec } from './chartSpec';
import type { ChartRun } from './chartRun';
import { gather, minMaxIndices, type XRange } from './downsample';
import { debiasedEma } from './smoothing';
import { stackTables, type DataTable } from './table';
import { X_AXIS_LABELS, xValues, type XAxisMode } from './xAxis';

export interface LossChartOptions {
  xAxis: XAxisMode;
  /** TensorBoard smoothing weight in [0, 1). */
  smoothing: number;
  logY: boolean;
  /** Visible x range when zoomed; only points inside it are downsampled, so zooming in reveals detail. */
  range?: XRange;
  /** Roughly the plot width in pixels. */
  buckets: number;
}

export function lossChartSpec(runs: readonly ChartRun[], opts: LossChartOptions): ChartSpec {
  const compare = runs.length > 1;
  const smoothed = opts.smoothing > 0;
  const sets: XYSet[] = [];
  const series: SeriesSpec[] = [];
  runs.forEach((run, r) => {
    const cols = run.series.steps;
    const x = xValues(opts.xAxis, cols, run.timing);
    const raw = cols.loss;
    const ys: ArrayLike<number>[] = [raw];
    if (smoothed) ys.push(debiasedEma(raw, opts.smoothing));
    const resumes = run.series.resumedSteps;
    if (resumes.length) ys.push(resumeMarkers(cols.step, raw, resumes));
    const idx = minMaxIndices(x, ys, opts.buckets, opts.range);
    sets.push({ x: gather(x, idx), ys: ys.map((y) => gather(y, idx)) });
    const name = compare ? run.label : 'loss';
    series.push({
      label: smoothed ? `${name} (raw)` : name,
      values: [],
      color: r,
      style: 'line',
      width: smoothed ? 1 : 1.5,
      opacity: smoothed ? 0.3 : 1,
    });
    if (smoothed) series.push({ label: compare ? run.label : `loss (smoothed ${opts.smoothing})`, values: [], color: r, style: 'line', width: 2 });
    if (resumes.length) series.push({ label: `${compare ? `${run.label} ` : ''}resumed (step ${resumes.join(', ')})`, values: [], color: r, style: 'points' });
  });
  const aligned = alignSets(sets);
  aligned.ys.forEach((values, i) => (series[i].values = values));
  return {
    id: 'loss',
    latestInLegend: true,
    title: 'Loss',
    xLabel: X_AXIS_LABELS[opts.xAxis],
    yLabel: 'loss',
    xFormat: opts.xAxis === 'time' ? 'duration' : 'number',
    yScale: opts.logY ? logScaleFor(series) : 'linear',
    x: aligned.x,
    series,
    bands: [],
  };
}

/**
 * The loss at each checkpoint a run was resumed from (the last logged step at or before it), NaN elsewhere: drawn
 * as markers, they show where the run was stopped or interrupted and continued.
 */
function resumeMarkers(step: ArrayLike<number>, loss: ArrayLike<number>, resumedSteps: readonly number[]): Float64Array {
  const out = new Float64Array(step.length).fill(NaN);
  for (const at of resumedSteps) {
    let i = -1;
    while (i + 1 < step.length && step[i + 1] <= at) i++;
    if (i < 0 && step.length > 0) i = 0;
    if (i >= 0) out[i] = loss[i];
  }
  return out;
}

/** Full-resolution loss data: one row per logged step (per run, stacked, when comparing). */
export function lossTable(runs: readonly ChartRun[], smoothing: number): DataTable {
  const perRun = runs.map((run) => {
    const c = run.series.steps;
    return {
      name: run.label,
      table: {
        header: ['step', 'epoch', 'wall_seconds', 'loss', 'loss_smoothed', 'lr', 'images_per_second'],
        columns: [
          c.step,
          xValues('epoch', c, run.timing),
          xValues('time', c, run.timing),
          c.loss,
          debiasedEma(c.loss, smoothing),
          c.lr,
          c.imagesPerSecond,
        ],
      },
    };
  });
  return runs.length === 1 ? perRun[0].table : stackTables(perRun);
}
