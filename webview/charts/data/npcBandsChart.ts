/**
 * The NPC multiplier's distribution over training, drawn like TensorBoard's distributions: nested filled
 * bands between the logged percentiles (min–max, 7–93, 16–84, 31–69) around the median, with the mean and
 * the coefficient of variation (on the right axis) as lines.
 */
import { NPC_PERCENTILES } from '../../../src/shared/protocol';
import { alignSets, type XYSet } from './align';
import type { BandSpec, ChartSpec, SeriesSpec } from './chartSpec';
import type { ChartRun } from './chartRun';
import { gather, minMaxIndices, type XRange } from './downsample';
import { stackTables, type DataTable } from './table';
import { X_AXIS_LABELS, xValues, type XAxisMode } from './xAxis';

const P = NPC_PERCENTILES.length;

export interface NpcBandsOptions {
  xAxis: XAxisMode;
  range?: XRange;
  buckets: number;
}

/** Column j of a row-major matrix with `width` values per row. */
export function matrixColumn(matrix: ArrayLike<number>, width: number, j: number): Float64Array {
  const rows = Math.floor(matrix.length / width);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = matrix[r * width + j];
  return out;
}

/** The percentile series of a run, one Float64Array per NPC_PERCENTILES level. */
export function percentileSeries(run: ChartRun): Float64Array[] {
  const m = run.series.npc.percentiles;
  return NPC_PERCENTILES.map((_, j) => matrixColumn(m, P, j));
}

export function percentileLabel(p: number): string {
  return p === 0 ? 'min' : p === 100 ? 'max' : p === 50 ? 'median' : `p${p}`;
}

/** Pairs of percentile indices filled as bands, outermost first: (100,0), (93,7), (84,16), (69,31). */
export function bandPairs(): [upper: number, lower: number][] {
  const pairs: [number, number][] = [];
  for (let lo = 0, hi = P - 1; lo < hi; lo++, hi--) pairs.push([hi, lo]);
  return pairs;
}

const BAND_OPACITY = 0.16; // nested bands overlap, so the inner ones come out darker, as in TensorBoard
const MEDIAN = NPC_PERCENTILES.indexOf(50);

function singleRun(run: ChartRun, opts: NpcBandsOptions): { set: XYSet; series: SeriesSpec[]; bands: BandSpec[] } {
  const npc = run.series.npc;
  const x = xValues(opts.xAxis, npc, run.timing);
  const pct = percentileSeries(run);
  const ys = [...pct, npc.mean, npc.cv];
  const idx = minMaxIndices(x, [pct[0], pct[P - 1], pct[MEDIAN], npc.mean, npc.cv], opts.buckets, opts.range);
  const series: SeriesSpec[] = NPC_PERCENTILES.map((p, j) => ({
    label: percentileLabel(p),
    values: [],
    color: 0,
    style: j === MEDIAN ? 'line' : 'edge',
    width: j === MEDIAN ? 2 : 0,
  }));
  series.push({ label: 'mean', values: [], color: 1, style: 'line', width: 1.5, dash: [6, 4] });
  series.push({ label: 'Cv (σ/μ)', values: [], color: 2, style: 'line', width: 1.5, axis: 'y2' });
  const bands = bandPairs().map(([upper, lower]) => ({ upper, lower, color: 0, opacity: BAND_OPACITY }));
  return { set: { x: gather(x, idx), ys: ys.map((y) => gather(y, idx)) }, series, bands };
}

const P16 = NPC_PERCENTILES.indexOf(16);
const P84 = NPC_PERCENTILES.indexOf(84);

export function npcBandsSpec(runs: readonly ChartRun[], opts: NpcBandsOptions): ChartSpec {
  const sets: XYSet[] = [];
  let series: SeriesSpec[] = [];
  let bands: BandSpec[] = [];
  if (runs.length === 1) {
    const one = singleRun(runs[0], opts);
    sets.push(one.set);
    series = one.series;
    bands = one.bands;
  } else {
    // Eight runs of nested bands would be unreadable: compare medians, each with its 16–84 band.
    runs.forEach((run, r) => {
      const npc = run.series.npc;
      const x = xValues(opts.xAxis, npc, run.timing);
      const pct = percentileSeries(run);
      const ys = [pct[P16], pct[MEDIAN], pct[P84]];
      const idx = minMaxIndices(x, ys, opts.buckets, opts.range);
      sets.push({ x: gather(x, idx), ys: ys.map((y) => gather(y, idx)) });
      const base = series.length;
      series.push(
        { label: `${run.label} p16`, values: [], color: r, style: 'edge', width: 0 },
        { label: `${run.label} median`, values: [], color: r, style: 'line', width: 2 },
        { label: `${run.label} p84`, values: [], color: r, style: 'edge', width: 0 },
      );
      bands.push({ upper: base + 2, lower: base, color: r, opacity: 0.18 });
    });
  }
  const aligned = alignSets(sets);
  aligned.ys.forEach((values, i) => (series[i].values = values));
  return {
    id: 'npcBands',
    latestInLegend: true,
    title: 'NPC multiplier distribution',
    xLabel: X_AXIS_LABELS[opts.xAxis],
    yLabel: 'NPC multiplier q',
    y2Label: runs.length === 1 ? 'Cv' : undefined,
    xFormat: opts.xAxis === 'time' ? 'duration' : 'number',
    yScale: 'linear',
    x: aligned.x,
    series,
    bands,
  };
}

/** Full-resolution NPC summaries: one row per logged npc event (per run, stacked, when comparing). */
export function npcTable(runs: readonly ChartRun[]): DataTable {
  const perRun = runs.map((run) => {
    const npc = run.series.npc;
    return {
      name: run.label,
      table: {
        header: ['step', 'epoch', 'wall_seconds', 'count', 'mean', 'std', 'cv', ...NPC_PERCENTILES.map((p) => `p${p}`)],
        columns: [npc.step, xValues('epoch', npc, run.timing), xValues('time', npc, run.timing), npc.count, npc.mean, npc.std, npc.cv, ...percentileSeries(run)],
      },
    };
  });
  return runs.length === 1 ? perRun[0].table : stackTables(perRun);
}
