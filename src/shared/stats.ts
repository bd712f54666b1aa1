/** Summary statistics of NPC multipliers: plain JS on typed arrays, usable by the trainer and the webviews. */
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type NpcSummary } from './protocol';

/** Linear-interpolated percentile (numpy's default "linear" method) of an ascending-sorted array. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (Math.min(Math.max(p, 0), 100) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** Counts of values in `bins` equal-width bins over [lo, hi]; values outside are clamped into the end bins. */
export function histogram(values: ArrayLike<number>, bins: number, lo = 0, hi = 1): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[b]++;
  }
  return counts;
}

export function summarizeNpc(
  q: ArrayLike<number>,
  percentiles: readonly number[] = NPC_PERCENTILES,
  bins = NPC_HISTOGRAM_BINS,
): NpcSummary {
  const n = q.length;
  if (n === 0) throw new Error('cannot summarise an empty set of NPC multipliers');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += q[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (q[i] - mean) ** 2;
  // Population standard deviation: the batch is the whole population being described.
  const std = Math.sqrt(sq / n);
  const sorted = Float64Array.from(q).sort();
  return {
    count: n,
    mean,
    std,
    cv: mean > 0 ? std / mean : NaN,
    percentiles: percentiles.map((p) => percentileOfSorted(sorted, p)),
    histogram: histogram(q, bins, 0, 1),
  };
}
