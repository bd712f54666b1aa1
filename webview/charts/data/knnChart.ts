/**
 * kNN top-1 accuracy over epochs, from the evaluation before training (epoch 0) on, with each run's best
 * value marked. Accuracies arrive as fractions and are shown in percent, as in the paper's tables.
 */
import { alignSets, type XYSet } from './align';
import type { ChartSpec, SeriesSpec } from './chartSpec';
import type { ChartRun } from './chartRun';
import { stackTables, type DataTable } from './table';
import { xValues } from './xAxis';

export interface KnnSummary {
  /** Percent. */
  best: number;
  bestEpoch: number;
  bestStep: number;
  /** Percent; the last evaluation. */
  final: number;
  finalEpoch: number;
  evaluations: number;
}

export function knnSummary(run: ChartRun): KnnSummary | null {
  const knn = run.series.knn;
  const epochs = xValues('epoch', knn, run.timing);
  let bestIdx = -1;
  let lastIdx = -1;
  for (let i = 0; i < knn.accuracy.length; i++) {
    const a = knn.accuracy[i];
    if (!Number.isFinite(a)) continue;
    lastIdx = i;
    if (bestIdx < 0 || a > knn.accuracy[bestIdx]) bestIdx = i; // first of equal bests: reached earliest
  }
  if (bestIdx < 0) {
    // An older log may only carry the final accuracy on its `finished` event.
    const ending = run.series.ending;
    if (ending?.type === 'finished' && Number.isFinite(ending.knnAccuracy)) {
      const pct = ending.knnAccuracy * 100;
      return { best: pct, bestEpoch: ending.epoch, bestStep: ending.step, final: pct, finalEpoch: ending.epoch, evaluations: 1 };
    }
    return null;
  }
  return {
    best: knn.accuracy[bestIdx] * 100,
    bestEpoch: epochs[bestIdx],
    bestStep: knn.step[bestIdx],
    final: knn.accuracy[lastIdx] * 100,
    finalEpoch: epochs[lastIdx],
    evaluations: knn.accuracy.length,
  };
}

function percent(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] * 100;
  return out;
}

/** NaN everywhere except the best evaluation, so only that point is marked. */
function bestMarker(accuracy: Float64Array): Float64Array {
  const out = new Float64Array(accuracy.length).fill(NaN);
  let best = -1;
  for (let i = 0; i < accuracy.length; i++) if (Number.isFinite(accuracy[i]) && (best < 0 || accuracy[i] > accuracy[best])) best = i;
  if (best >= 0) out[best] = accuracy[best];
  return out;
}

export function knnChartSpec(runs: readonly ChartRun[]): ChartSpec {
  const compare = runs.length > 1;
  const sets: XYSet[] = [];
  const series: SeriesSpec[] = [];
  runs.forEach((run, r) => {
    const knn = run.series.knn;
    const acc = percent(knn.accuracy);
    sets.push({ x: xValues('epoch', knn, run.timing), ys: [acc, bestMarker(acc)] });
    series.push(
      { label: compare ? run.label : 'kNN top-1', values: [], color: r, style: 'line', width: 2, format: 'percent' },
      { label: compare ? `${run.label} best` : 'best', values: [], color: compare ? r : 3, style: 'points', format: 'percent' },
    );
  });
  const aligned = alignSets(sets);
  aligned.ys.forEach((values, i) => (series[i].values = values));
  return {
    id: 'knn',
    latestInLegend: true,
    title: 'kNN accuracy',
    xLabel: 'epoch',
    yLabel: 'kNN top-1 accuracy (%)',
    xFormat: 'number',
    yScale: 'linear',
    yBounds: [0, 100],
    x: aligned.x,
    series,
    bands: [],
  };
}

export function knnTable(runs: readonly ChartRun[]): DataTable {
  const perRun = runs.map((run) => {
    const knn = run.series.knn;
    return {
      name: run.label,
      table: {
        header: ['step', 'epoch', 'wall_seconds', 'k', 'accuracy_%'],
        columns: [knn.step, xValues('epoch', knn, run.timing), xValues('time', knn, run.timing), knn.k, percent(knn.accuracy)],
      },
    };
  });
  return runs.length === 1 ? perRun[0].table : stackTables(perRun);
}
