/** Exact k-nearest neighbours in plain JS, blocked for the cache (see the loop below). */

export interface Neighbours {
  /** queries × k point indices, nearest first. */
  indices: Int32Array;
  /** queries × k: cosine similarity (mode 'cosine') or squared Euclidean distance (mode 'euclidean'). */
  values: Float64Array;
  k: number;
}

/**
 * For each query row (all rows when `queries` is null), its k nearest other rows.
 * 'cosine' expects L2-normalised rows and ranks by dot product; 'euclidean' ranks by squared distance.
 */
export function nearestNeighbours(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  mode: 'cosine' | 'euclidean',
  queries: Int32Array | null = null,
  onProgress?: (f: number) => void,
): Neighbours {
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new Error(`nearestNeighbours: k must be in [1, n − 1 = ${n - 1}]; got ${k}`);
  const q = queries ?? Int32Array.from({ length: n }, (_, i) => i);
  const nq = q.length;
  const sq = new Float64Array(n);
  if (mode === 'euclidean') {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0, o = i * d; t < d; t++) s += x[o + t] * x[o + t];
      sq[i] = s;
    }
  }
  const indices = new Int32Array(nq * k);
  // Scores are "larger is nearer": dot, or 2·a·b − ‖b‖² (= ‖a‖² − ‖a − b‖², the same order as −distance).
  const scores = new Float64Array(nq * k).fill(-Infinity);
  const fill = new Int32Array(nq);
  const insert = (row: number, score: number, j: number) => {
    const base = row * k;
    const size = fill[row];
    if (size === k && score <= scores[base + k - 1]) return;
    let pos = size < k ? size : k - 1;
    if (size < k) fill[row] = size + 1;
    while (pos > 0 && scores[base + pos - 1] < score) {
      scores[base + pos] = scores[base + pos - 1];
      indices[base + pos] = indices[base + pos - 1];
      pos--;
    }
    scores[base + pos] = score;
    indices[base + pos] = j;
  };
  const euclid = mode === 'euclidean';
  // Queries go in blocks of 32 (≈ 64 KB at d = 512, cache-resident), so each point row is read from memory
  // once per block. Inside, a 4 queries × 2 points register tile does 8 multiply-adds per 6 loads.
  const BLOCK = 32;
  const offer = (s: number, m: number, q0: number, q1: number, q2: number, q3: number, j: number, a: number, b: number, c: number, e: number) => {
    if (euclid) {
      a = 2 * a - sq[j];
      b = 2 * b - sq[j];
      c = 2 * c - sq[j];
      e = 2 * e - sq[j];
    }
    if (j !== q0) insert(s, a, j);
    if (m > 1 && j !== q1) insert(s + 1, b, j);
    if (m > 2 && j !== q2) insert(s + 2, c, j);
    if (m > 3 && j !== q3) insert(s + 3, e, j);
  };
  // The block's query rows as float64: no float32 → float64 conversion in the innermost loop.
  const qb = new Float64Array(BLOCK * d);
  for (let b0 = 0; b0 < nq; b0 += BLOCK) {
    const b1 = Math.min(nq, b0 + BLOCK);
    for (let s = b0; s < b1; s++) for (let t = 0, o = q[s] * d, r = (s - b0) * d; t < d; t++) qb[r + t] = x[o + t];
    for (let j = 0; j < n; j += 2) {
      // An odd last row pairs with itself; its second copy is not offered.
      const j2 = Math.min(j + 1, n - 1);
      const o = j * d, p = j2 * d;
      for (let s = b0; s < b1; s += 4) {
        const m = Math.min(4, b1 - s);
        const i0 = q[s], i1 = q[s + Math.min(1, m - 1)], i2 = q[s + Math.min(2, m - 1)], i3 = q[s + Math.min(3, m - 1)];
        const r = s - b0;
        const o0 = r * d, o1 = Math.min(r + 1, b1 - b0 - 1) * d, o2 = Math.min(r + 2, b1 - b0 - 1) * d, o3 = Math.min(r + 3, b1 - b0 - 1) * d;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (let t = 0; t < d; t++) {
          const u = x[o + t], v = x[p + t];
          const x0 = qb[o0 + t], x1 = qb[o1 + t], x2 = qb[o2 + t], x3 = qb[o3 + t];
          a0 += x0 * u;
          a1 += x1 * u;
          a2 += x2 * u;
          a3 += x3 * u;
          c0 += x0 * v;
          c1 += x1 * v;
          c2 += x2 * v;
          c3 += x3 * v;
        }
        offer(s, m, i0, i1, i2, i3, j, a0, a1, a2, a3);
        if (j2 !== j) offer(s, m, i0, i1, i2, i3, j2, c0, c1, c2, c3);
      }
    }
    onProgress?.(b1 / nq);
  }
  if (euclid) {
    for (let r = 0; r < nq; r++) {
      const a = sq[q[r]];
      for (let c = 0; c < k; c++) scores[r * k + c] = Math.max(0, a - scores[r * k + c]);
    }
  }
  onProgress?.(1);
  return { indices, values: scores, k };
}
