/**
 * Top eigenpairs of a dense symmetric matrix, exact to machine precision and with a cost that does not
 * depend on the spectrum (iterative methods crawl when the leading eigenvalues are nearly equal, as in
 * near-isotropic embeddings):
 *   1. Householder reduction to tridiagonal form, row-major and cache-friendly (≈ d³ multiply-adds);
 *   2. each wanted eigenvalue by Sturm-sequence bisection on the tridiagonal matrix (O(d) per step);
 *   3. its eigenvector by inverse iteration on the tridiagonal matrix (pivoted, O(d) per solve),
 *      re-orthogonalised against neighbours of nearly equal eigenvalue;
 *   4. back-transformation through the Householder reflectors (O(d²) per vector).
 */

export interface TopEigen {
  /** Eigenvalues, descending. */
  values: number[];
  /** Unit eigenvectors as rows: vectors[i * d + t]. */
  vectors: Float64Array;
  /** Largest ‖Av − λv‖ / max(|λ₁|, tiny) over the returned pairs: a direct check of the result. */
  relativeResidual: number;
}

interface Tridiagonal {
  diag: Float64Array;
  /** off[i] couples rows i and i + 1. */
  off: Float64Array;
  /** Householder vectors: reflector i acts on coordinates i + 1 … d − 1 as I − v vᵀ (‖v‖² = 2, or v = 0). */
  reflectors: Float64Array;
}

export function tridiagonalize(matrix: Float64Array, d: number): Tridiagonal {
  const a = Float64Array.from(matrix);
  const diag = new Float64Array(d);
  const off = new Float64Array(Math.max(0, d - 1));
  const reflectors = new Float64Array(d * d);
  const p = new Float64Array(d);
  for (let i = 0; i + 2 < d; i++) {
    const start = i + 1;
    // Column i below the diagonal equals row i right of it (symmetry): contiguous.
    let sigma = 0;
    for (let j = start; j < d; j++) sigma += a[i * d + j] * a[i * d + j];
    const norm = Math.sqrt(sigma);
    diag[i] = a[i * d + i];
    const x0 = a[i * d + start];
    if (norm === 0 || sigma - x0 * x0 === 0) {
      off[i] = x0; // already tridiagonal in this column: identity reflector
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    const v = reflectors.subarray(i * d, i * d + d);
    for (let j = start; j < d; j++) v[j] = a[i * d + j];
    v[start] -= alpha;
    let vv = 0;
    for (let j = start; j < d; j++) vv += v[j] * v[j];
    const scale = Math.sqrt(2 / vv);
    for (let j = start; j < d; j++) v[j] *= scale;
    off[i] = alpha;
    // Trailing block B ← H B H with H = I − v vᵀ: p = B v, w = p − (vᵀp / 2) v, B ← B − v wᵀ − w vᵀ.
    let vp = 0;
    for (let r = start; r < d; r++) {
      let s = 0;
      const row = r * d;
      for (let c = start; c < d; c++) s += a[row + c] * v[c];
      p[r] = s;
      vp += v[r] * s;
    }
    const half = vp / 2;
    for (let r = start; r < d; r++) p[r] -= half * v[r];
    for (let r = start; r < d; r++) {
      const row = r * d;
      const vr = v[r], wr = p[r];
      for (let c = start; c < d; c++) a[row + c] -= vr * p[c] + wr * v[c];
    }
  }
  if (d >= 2) {
    diag[d - 2] = a[(d - 2) * d + d - 2];
    off[d - 2] = a[(d - 2) * d + d - 1];
  }
  diag[d - 1] = a[(d - 1) * d + d - 1];
  return { diag, off, reflectors };
}

/** Number of eigenvalues of the tridiagonal matrix strictly below x (Sturm sequence via LDLᵀ pivots). */
function countBelow(t: Tridiagonal, x: number, tiny: number): number {
  const { diag, off } = t;
  // A zero pivot is nudged to −tiny before counting (as LAPACK's pivmin), so x equal to an eigenvalue of a
  // leading block counts consistently.
  let q = diag[0] - x;
  if (Math.abs(q) < tiny) q = -tiny;
  let count = q < 0 ? 1 : 0;
  for (let i = 1; i < diag.length; i++) {
    q = diag[i] - x - (off[i - 1] * off[i - 1]) / q;
    if (Math.abs(q) < tiny) q = -tiny;
    if (q < 0) count++;
  }
  return count;
}

/** The eigenvalue with exactly `index` eigenvalues below it (0 = smallest), by bisection. */
function bisect(t: Tridiagonal, index: number, lo: number, hi: number, tiny: number): number {
  for (let it = 0; it < 200 && hi - lo > 4e-16 * Math.max(Math.abs(lo), Math.abs(hi), tiny); it++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (countBelow(t, mid, tiny) > index) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/** Solves (T − λI) y = b in place of b with partial pivoting (T − λI is nearly singular by design). */
function solveShifted(t: Tridiagonal, lambda: number, b: Float64Array, tiny: number): void {
  const n = t.diag.length;
  // Row i of the upper-triangular factor has up to three non-zeros: u0 (diagonal), u1, u2.
  const u0 = new Float64Array(n), u1 = new Float64Array(n), u2 = new Float64Array(n);
  // The working row i, at columns i and i + 1 (its column i + 2 is always zero before elimination).
  let w0 = t.diag[0] - lambda;
  let w1 = n > 1 ? t.off[0] : 0;
  for (let i = 0; i < n - 1; i++) {
    // Original row i + 1 at columns i, i + 1, i + 2.
    const r0 = t.off[i];
    const r1 = t.diag[i + 1] - lambda;
    const r2 = i + 1 < n - 1 ? t.off[i + 1] : 0;
    if (Math.abs(r0) > Math.abs(w0)) {
      // Pivot on row i + 1: it becomes row i of the factor; the working row minus m × it moves down.
      const m = w0 / r0;
      u0[i] = r0;
      u1[i] = r1;
      u2[i] = r2;
      const bi = b[i];
      b[i] = b[i + 1];
      b[i + 1] = bi - m * b[i];
      w0 = w1 - m * r1;
      w1 = -m * r2;
    } else {
      const m = r0 / (Math.abs(w0) < tiny ? (w0 < 0 ? -tiny : tiny) : w0);
      u0[i] = w0;
      u1[i] = w1;
      u2[i] = 0;
      b[i + 1] -= m * b[i];
      w0 = r1 - m * w1;
      w1 = r2;
    }
  }
  u0[n - 1] = w0;
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    if (i + 1 < n) s -= u1[i] * b[i + 1];
    if (i + 2 < n) s -= u2[i] * b[i + 2];
    const piv = Math.abs(u0[i]) < tiny ? (u0[i] < 0 ? -tiny : tiny) : u0[i];
    b[i] = s / piv;
  }
}

function normalize(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < x.length; i++) x[i] /= n;
  return n;
}

/** Applies H_0 H_1 … H_{d−3} to y (maps an eigenvector of T back to one of the original matrix). */
function backTransform(t: Tridiagonal, y: Float64Array): void {
  const d = y.length;
  for (let i = d - 3; i >= 0; i--) {
    const o = i * d;
    let dot = 0;
    for (let j = i + 1; j < d; j++) dot += t.reflectors[o + j] * y[j];
    if (dot === 0) continue;
    for (let j = i + 1; j < d; j++) y[j] -= dot * t.reflectors[o + j];
  }
}

/** The k largest eigenpairs of the symmetric d × d matrix `matrix` (row-major). */
export function symmetricTopEigen(matrix: Float64Array, d: number, k: number): TopEigen {
  if (matrix.length !== d * d) throw new Error(`symmetricTopEigen: matrix has ${matrix.length} entries, expected ${d} × ${d}`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`symmetricTopEigen: k must be in [1, ${d}]; got ${k}`);
  const t = tridiagonalize(matrix, d);
  // Gershgorin bounds enclose the whole spectrum.
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d; i++) {
    const r = (i > 0 ? Math.abs(t.off[i - 1]) : 0) + (i < d - 1 ? Math.abs(t.off[i]) : 0);
    lo = Math.min(lo, t.diag[i] - r);
    hi = Math.max(hi, t.diag[i] + r);
  }
  const spread = Math.max(hi - lo, Math.abs(hi), Math.abs(lo), 1e-300);
  const tiny = 1e-300 + Number.EPSILON * spread * 1e-3;
  lo -= 1e-12 * spread;
  hi += 1e-12 * spread;
  const values: number[] = [];
  for (let i = 0; i < k; i++) values.push(bisect(t, d - 1 - i, lo, hi, tiny));

  const vectors = new Float64Array(k * d);
  const ys: Float64Array[] = [];
  // Eigenvalues closer than this get mutually orthogonalised eigenvectors (their directions are ill-defined).
  const cluster = 1e-7 * spread;
  for (let i = 0; i < k; i++) {
    const y = new Float64Array(d);
    // A fixed, non-degenerate start keeps the result deterministic.
    for (let j = 0; j < d; j++) y[j] = 1 + 0.5 * Math.sin(1.7 * j + 0.3 * i);
    normalize(y);
    const shift = values[i] + (i > 0 && Math.abs(values[i] - values[i - 1]) < cluster ? 1e-12 * spread * i : 0);
    for (let it = 0; it < 4; it++) {
      solveShifted(t, shift, y, tiny);
      for (let j = 0; j < i; j++) {
        if (Math.abs(values[j] - values[i]) >= cluster) continue;
        const prev = ys[j];
        let dot = 0;
        for (let m = 0; m < d; m++) dot += prev[m] * y[m];
        for (let m = 0; m < d; m++) y[m] -= dot * prev[m];
      }
      if (normalize(y) === 0) for (let m = 0; m < d; m++) y[m] = m === i ? 1 : 0;
    }
    ys.push(Float64Array.from(y));
    backTransform(t, y);
    normalize(y);
    vectors.set(y, i * d);
  }

  let worst = 0;
  const scale = Math.max(Math.abs(values[0]), 1e-300);
  for (let i = 0; i < k; i++) {
    let r = 0;
    for (let row = 0; row < d; row++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += matrix[row * d + c] * vectors[i * d + c];
      const e = s - values[i] * vectors[i * d + row];
      r += e * e;
    }
    worst = Math.max(worst, Math.sqrt(r) / scale);
  }
  return { values, vectors, relativeResidual: values[0] === 0 && worst === 0 ? 0 : worst };
}
