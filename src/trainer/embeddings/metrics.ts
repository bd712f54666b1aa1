/**
 * Cluster-quality numbers shown beside a projection, in plain JS:
 *  - leave-one-out kNN accuracy with cosine similarity on the high-dimensional vectors (majority vote of
 *    the k nearest other points; ties go to the class with the larger summed similarity);
 *  - mean silhouette with cosine distance on the high-dimensional vectors, and with Euclidean distance on
 *    the 2-D projection, over one seeded sample of ≤ 2 000 points (the O(n²) part).
 */
import { nearestNeighbours } from './knn';
import { sampleIndices } from './random';

export const DEFAULT_METRIC_K = 20;
export const DEFAULT_KNN_QUERIES = 1000;
export const DEFAULT_SILHOUETTE_SAMPLE = 2000;

/** Unit-length copy of each row (an all-zero row stays zero: it has no direction). */
export function normalizeRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let t = 0; t < d; t++) s += x[o + t] * x[o + t];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < d; t++) out[o + t] = x[o + t] * inv;
  }
  return out;
}

export function distinctCount(labels: Int32Array): number {
  return new Set(labels).size;
}

export interface KnnResult {
  accuracy: number | null;
  k: number;
  queries: number;
}

/**
 * Leave-one-out kNN accuracy of `unit` (rows already L2-normalised) over a seeded sample of up to
 * `maxQueries` points, each compared with all n points but itself. Null when fewer than two classes.
 */
export function knnAccuracy(
  unit: Float32Array,
  n: number,
  d: number,
  labels: Int32Array,
  opts: { k?: number; maxQueries?: number; seed?: number; onProgress?: (f: number) => void } = {},
): KnnResult {
  const k = Math.min(opts.k ?? DEFAULT_METRIC_K, n - 1);
  if (labels.length !== n) throw new Error(`knnAccuracy: ${labels.length} labels for ${n} points`);
  if (n < 2 || k < 1 || distinctCount(labels) < 2) return { accuracy: null, k: Math.max(0, k), queries: 0 };
  const queries = sampleIndices(n, opts.maxQueries ?? DEFAULT_KNN_QUERIES, opts.seed ?? 1);
  const nb = nearestNeighbours(unit, n, d, k, 'cosine', queries, opts.onProgress);
  const votes = new Map<number, { count: number; sim: number }>();
  let correct = 0;
  for (let r = 0; r < queries.length; r++) {
    votes.clear();
    for (let c = 0; c < k; c++) {
      const label = labels[nb.indices[r * k + c]];
      const v = votes.get(label) ?? { count: 0, sim: 0 };
      v.count++;
      v.sim += nb.values[r * k + c];
      votes.set(label, v);
    }
    let best = 0, bestCount = -1, bestSim = -Infinity;
    for (const [label, v] of votes) {
      if (v.count > bestCount || (v.count === bestCount && v.sim > bestSim)) {
        best = label;
        bestCount = v.count;
        bestSim = v.sim;
      }
    }
    if (best === labels[queries[r]]) correct++;
  }
  return { accuracy: correct / queries.length, k, queries: queries.length };
}

/**
 * Mean silhouette over the points `sample`, with `dist(i, j)` any symmetric distance. A point alone in its
 * class scores 0 (the usual convention); null when the sample holds fewer than two classes.
 */
export function silhouette(sample: Int32Array, labels: Int32Array, dist: (i: number, j: number) => number): number | null {
  const m = sample.length;
  const classes = Array.from(new Set(Array.from(sample, (i) => labels[i]))).sort((a, b) => a - b);
  if (classes.length < 2) return null;
  const slot = new Map(classes.map((c, i) => [c, i]));
  const c = classes.length;
  const sizes = new Float64Array(c);
  for (const i of sample) sizes[slot.get(labels[i])!]++;
  // sums[i * c + class] = Σ distance from sample point i to the sample points of that class.
  const sums = new Float64Array(m * c);
  for (let a = 0; a < m; a++) {
    const ca = slot.get(labels[sample[a]])!;
    for (let b = a + 1; b < m; b++) {
      const cb = slot.get(labels[sample[b]])!;
      const dab = dist(sample[a], sample[b]);
      sums[a * c + cb] += dab;
      sums[b * c + ca] += dab;
    }
  }
  let total = 0;
  for (let a = 0; a < m; a++) {
    const own = slot.get(labels[sample[a]])!;
    if (sizes[own] < 2) continue; // contributes 0
    const intra = sums[a * c + own] / (sizes[own] - 1);
    let nearest = Infinity;
    for (let k = 0; k < c; k++) if (k !== own) nearest = Math.min(nearest, sums[a * c + k] / sizes[k]);
    const denom = Math.max(intra, nearest);
    total += denom > 0 ? (nearest - intra) / denom : 0;
  }
  return total / m;
}

/**
 * Cosine distances 1 − u·v among the rows `sample` of an L2-normalised matrix, computed once into an m × m
 * table (16 MB for the 2 000-point sample) with a 4 × 2 register tile, and looked up by point index.
 */
export function cosineDistanceMatrix(unit: Float32Array, d: number, sample: Int32Array): (i: number, j: number) => number {
  const m = sample.length;
  const g = new Float32Array(m * d); // the sampled rows, contiguous
  sample.forEach((i, r) => g.set(unit.subarray(i * d, (i + 1) * d), r * d));
  const table = new Float32Array(m * m);
  for (let a = 0; a < m; a += 4) {
    // Rows past the end repeat the last row: their products are true distances, written twice at worst.
    const r0 = a, r1 = Math.min(a + 1, m - 1), r2 = Math.min(a + 2, m - 1), r3 = Math.min(a + 3, m - 1);
    const o0 = r0 * d, o1 = r1 * d, o2 = r2 * d, o3 = r3 * d;
    for (let b = a; b < m; b += 2) {
      const c0 = b, c1 = Math.min(b + 1, m - 1);
      const p0 = c0 * d, p1 = c1 * d;
      let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
      for (let t = 0; t < d; t++) {
        const u = g[p0 + t], v = g[p1 + t];
        const x0 = g[o0 + t], x1 = g[o1 + t], x2 = g[o2 + t], x3 = g[o3 + t];
        s00 += x0 * u;
        s10 += x1 * u;
        s20 += x2 * u;
        s30 += x3 * u;
        s01 += x0 * v;
        s11 += x1 * v;
        s21 += x2 * v;
        s31 += x3 * v;
      }
      const put = (r: number, c: number, dot: number) => {
        table[r * m + c] = 1 - dot;
        table[c * m + r] = 1 - dot;
      };
      put(r0, c0, s00);
      put(r1, c0, s10);
      put(r2, c0, s20);
      put(r3, c0, s30);
      put(r0, c1, s01);
      put(r1, c1, s11);
      put(r2, c1, s21);
      put(r3, c1, s31);
    }
  }
  const position = new Map<number, number>();
  sample.forEach((i, r) => position.set(i, r));
  return (i, j) => table[position.get(i)! * m + position.get(j)!];
}

/** Euclidean distance between rows of an n × 2 coordinate array. */
export function planeDistance(coords: Float32Array): (i: number, j: number) => number {
  return (i, j) => Math.hypot(coords[2 * i] - coords[2 * j], coords[2 * i + 1] - coords[2 * j + 1]);
}

export function silhouetteSample(n: number, size = DEFAULT_SILHOUETTE_SAMPLE, seed = 1): Int32Array {
  return sampleIndices(n, size, seed);
}
