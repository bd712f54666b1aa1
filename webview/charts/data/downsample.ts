/**
 * Min/max bucket downsampling: a 100 000-point series drawn into 800 pixels keeps, per bucket of
 * consecutive points, the minimum and maximum of each value column. Every spike and dip stays visible
 * (unlike averaging or LTTB, which can drop an extremum), and the point count is bounded by
 * 2 · buckets · columns + 2 whatever the input length.
 */

export interface XRange {
  min: number;
  max: number;
}

/** First index whose x ≥ value, for ascending x. */
export function lowerBound(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose x > value, for ascending x. */
export function upperBound(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Indices (ascending) of the points to draw. With a range, only points inside it are bucketed, plus one
 * neighbour on each side so lines run to the plot edges when zoomed in.
 */
export function minMaxIndices(x: ArrayLike<number>, columns: readonly ArrayLike<number>[], buckets: number, range?: XRange): Uint32Array {
  let start = 0;
  let end = x.length; // exclusive
  if (range) {
    start = Math.max(0, lowerBound(x, range.min) - 1);
    end = Math.min(x.length, upperBound(x, range.max) + 1);
  }
  const count = end - start;
  const b = Math.max(1, Math.floor(buckets));
  if (count <= 2 * b + 2) {
    const all = new Uint32Array(count);
    for (let i = 0; i < count; i++) all[i] = start + i;
    return all;
  }
  const picked: number[] = [start];
  const perBucket = (count - 2) / b; // first and last points are kept on their own
  const candidates: number[] = [];
  for (let k = 0; k < b; k++) {
    const from = start + 1 + Math.floor(k * perBucket);
    const to = start + 1 + Math.floor((k + 1) * perBucket); // exclusive
    candidates.length = 0;
    for (const col of columns) {
      let minI = -1;
      let maxI = -1;
      for (let i = from; i < to; i++) {
        const v = col[i];
        if (!(v === v)) continue; // NaN
        if (minI < 0 || v < col[minI]) minI = i;
        if (maxI < 0 || v > col[maxI]) maxI = i;
      }
      if (minI >= 0) candidates.push(minI, maxI);
    }
    if (candidates.length === 0) candidates.push(from); // an all-NaN bucket still leaves a gap marker
    candidates.sort((p, q) => p - q);
    for (let j = 0; j < candidates.length; j++) {
      if (j === 0 || candidates[j] !== candidates[j - 1]) picked.push(candidates[j]);
    }
  }
  picked.push(end - 1);
  return Uint32Array.from(picked);
}

/** values[indices[i]] for every i. */
export function gather(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
  return out;
}
