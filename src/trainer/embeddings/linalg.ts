/**
 * Top eigenpairs of a dense symmetric matrix, exact to machine precision. Two solvers:
 *
 * Direct (any d; the only one for small d or many pairs): a cost that does not depend on the spectrum
 *   1. Householder reduction to tridiagonal form, row-major and cache-friendly (≈ d³ multiply-adds);
 *   2. each wanted eigenvalue by Sturm-sequence bisection on the tridiagonal matrix (O(d) per step);
 *   3. its eigenvector by inverse iteration on the tridiagonal matrix (pivoted, O(d) per solve),
 *      re-orthogonalised against neighbours of nearly equal eigenvalue;
 *   4. back-transformation through the Householder reflectors (O(d²) per vector).
 *
 * Lanczos (d ≥ LANCZOS_MIN_D, few pairs): PCA wants 2 axes of a 512 × 512 covariance, and step 1 alone takes
 * ≈ 0.3 s in JS there, while a few dozen matrix–vector products (d² each) usually pin the top pairs down.
 * Its answer is only returned when its residuals are at the direct solver's level and a Cholesky
 * certificate proves that no larger eigenvalue was missed (see lanczosTopEigen); otherwise — e.g. a near-isotropic spectrum, whose leading eigenvalues are nearly equal and not set apart
 * from the rest, where Krylov methods crawl — the direct solver runs.
 */
import { seededNormal } from './random';

export interface TopEigen {
  /** Eigenvalues, descending. */
  values: number[];
  /** Unit eigenvectors as rows: vectors[i * d + t]. */
  vectors: Float64Array;
  /** Largest ‖Av − λv‖ / max(|λ₁|, tiny) over the returned pairs: a direct check of the result. */
  relativeResidual: number;
  /** Which solver produced the pairs ('lanczos' only when it converged and passed its certificate). */
  method: 'direct' | 'lanczos';
}

interface Tridiagonal {
  diag: Float64Array;
  /** off[i] couples rows i and i + 1. */
  off: Float64Array;
}

interface Householder extends Tridiagonal {
  /** Householder vectors: reflector i acts on coordinates i + 1 … d − 1 as I − v vᵀ (‖v‖² = 2, or v = 0). */
  reflectors: Float64Array;
}

export function tridiagonalize(matrix: Float64Array, d: number): Householder {
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
function backTransform(t: Householder, y: Float64Array): void {
  const d = y.length;
  for (let i = d - 3; i >= 0; i--) {
    const o = i * d;
    let dot = 0;
    for (let j = i + 1; j < d; j++) dot += t.reflectors[o + j] * y[j];
    if (dot === 0) continue;
    for (let j = i + 1; j < d; j++) y[j] -= dot * t.reflectors[o + j];
  }
}

/** The k largest eigenvalues (descending) of a symmetric tridiagonal matrix and unit eigenvectors in its basis. */
function tridiagonalTopEigen(t: Tridiagonal, k: number): { values: number[]; ys: Float64Array[] } {
  const d = t.diag.length;
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
      for (let j = 0; j < i; j++) if (Math.abs(values[j] - values[i]) < cluster) subtractProjection(y, ys[j]);
      if (normalize(y) === 0) for (let m = 0; m < d; m++) y[m] = m === i ? 1 : 0;
    }
    ys.push(y);
  }
  return { values, ys };
}

/**
 * Σ a[ao + i] b[bo + i] for i < len. Four partial sums: one running sum waits on each addition's latency
 * (≈ 4 cycles), four independent ones keep the FPU busy — ≈ 3× faster in V8 on the long products here.
 */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < len; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + s2 + s3;
}

function dot(a: Float64Array, b: Float64Array): number {
  return dotAt(a, 0, b, 0, a.length);
}

/** y ← y − (u·y) u for a unit u. */
function subtractProjection(y: Float64Array, u: Float64Array): void {
  const p = dot(u, y);
  for (let i = 0; i < y.length; i++) y[i] -= p * u[i];
}

/** out = A x for the row-major d × d matrix A (row by row: contiguous reads). */
function matVec(a: Float64Array, d: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < d; r++) out[r] = dotAt(a, r * d, x, 0, d);
}

/** Largest ‖Av − λv‖ / max(|λ₁|, tiny) over the pairs (vectors as rows). */
function relativeResidual(matrix: Float64Array, d: number, values: number[], vectors: Float64Array): number {
  let worst = 0;
  const av = new Float64Array(d);
  for (let i = 0; i < values.length; i++) {
    const v = vectors.subarray(i * d, (i + 1) * d);
    matVec(matrix, d, v, av);
    let r = 0;
    for (let t = 0; t < d; t++) r += (av[t] - values[i] * v[t]) ** 2;
    worst = Math.max(worst, Math.sqrt(r));
  }
  return values[0] === 0 && worst === 0 ? 0 : worst / Math.max(Math.abs(values[0]), 1e-300);
}

/** The direct solver: Householder tridiagonalisation, bisection, inverse iteration, back-transformation. */
export function directTopEigen(matrix: Float64Array, d: number, k: number): TopEigen {
  const t = tridiagonalize(matrix, d);
  const { values, ys } = tridiagonalTopEigen(t, k);
  const vectors = new Float64Array(k * d);
  ys.forEach((y, i) => {
    backTransform(t, y);
    normalize(y);
    vectors.set(y, i * d);
  });
  return { values, vectors, relativeResidual: relativeResidual(matrix, d, values, vectors), method: 'direct' };
}

/** Below this size the direct solver is a few milliseconds: Lanczos would save nothing. */
export const LANCZOS_MIN_D = 128;
/** Lanczos steps before giving up (a step costs one d² product plus the reorthogonalisation). */
export const LANCZOS_MAX_STEPS = 160;
/**
 * More pairs than this reach into the dense noise bulk of a covariance spectrum, where Lanczos needs most of
 * its budget (and a Ritz solve per step grows with k): the direct solver is then as fast. PCA's 2 axes and a
 * few more stay well inside; the 50 of the UMAP/t-SNE pre-step do not.
 */
export const LANCZOS_MAX_K = 16;
/** Lanczos stops when every wanted pair has ‖Av − λv‖ ≤ this × |λ₁| (the direct solver reaches ≈ 1e-15). */
const LANCZOS_TOLERANCE = 1e-13;
/** Certificate slack: no eigenvalue may be missed that exceeds λ_k by more than this × |λ₁| (< float32 ε). */
const CERTIFICATE_MARGIN = 1e-8;

/**
 * True when A has no eigenvalue above σ = λ_k + margin besides the k given pairs: Cholesky (which succeeds
 * exactly for positive definite matrices) of σI − A − Σ (σ − scale − λᵢ) vᵢvᵢᵀ, the matrix σI − A with the
 * given directions moved to eigenvalue `scale` > 0. Lanczos can miss an eigenvalue — an exactly repeated one,
 * or one its start vector barely touches — while every pair it returns has a tiny residual; this catches it.
 * Costs d³/6 multiply-adds, ≈ 6× less than tridiagonalisation.
 */
export function certifyTop(matrix: Float64Array, d: number, values: number[], vectors: Float64Array, margin: number, scale: number): boolean {
  const sigma = values[values.length - 1] + margin;
  const m = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c <= r; c++) m[r * d + c] = (r === c ? sigma : 0) - matrix[r * d + c];
  values.forEach((lambda, i) => {
    const v = vectors.subarray(i * d, (i + 1) * d);
    const coef = sigma - scale - lambda;
    for (let r = 0; r < d; r++) for (let c = 0; c <= r; c++) m[r * d + c] -= coef * v[r] * v[c];
  });
  // Lower-triangular Cholesky in place, row by row: entry (i, j) is row i's dot product with row j. Four
  // rows j … j + 3 at a time share each load of row i (5 loads per 4 multiply-adds instead of 8: ≈ 2× faster).
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    let j = 0;
    for (; j + 4 <= i; j += 4) {
      const r0 = j * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
      let s0 = m[ri + j], s1 = m[ri + j + 1], s2 = m[ri + j + 2], s3 = m[ri + j + 3];
      for (let p = 0; p < j; p++) {
        const x = m[ri + p];
        s0 -= x * m[r0 + p];
        s1 -= x * m[r1 + p];
        s2 -= x * m[r2 + p];
        s3 -= x * m[r3 + p];
      }
      // The 4 × 4 corner: entry j + q also needs row i's entries j … j + q − 1, finished just before it.
      const l0 = s0 / m[r0 + j];
      const l1 = (s1 - l0 * m[r1 + j]) / m[r1 + j + 1];
      const l2 = (s2 - l0 * m[r2 + j] - l1 * m[r2 + j + 1]) / m[r2 + j + 2];
      const l3 = (s3 - l0 * m[r3 + j] - l1 * m[r3 + j + 1] - l2 * m[r3 + j + 2]) / m[r3 + j + 3];
      m[ri + j] = l0;
      m[ri + j + 1] = l1;
      m[ri + j + 2] = l2;
      m[ri + j + 3] = l3;
    }
    for (; j < i; j++) m[ri + j] = (m[ri + j] - dotAt(m, ri, m, j * d, j)) / m[j * d + j];
    const s = m[ri + i] - dotAt(m, ri, m, ri, i);
    if (!(s > 0)) return false;
    m[ri + i] = Math.sqrt(s);
  }
  return true;
}

/**
 * The k largest eigenpairs by Lanczos with full reorthogonalisation, or undefined when it cannot vouch for
 * them within `maxSteps` steps. Full reorthogonalisation (classical Gram–Schmidt, twice) keeps the Krylov
 * basis orthonormal to rounding, so no spurious copies of converged eigenvalues appear and the Ritz
 * residual estimates |βⱼ sⱼ| are reliable. A result is returned only when (1) the true residuals
 * ‖Av − λv‖ are ≤ LANCZOS_TOLERANCE × |λ₁| and (2) certifyTop proves no larger eigenvalue was missed.
 * The start vector is seeded, so the same matrix always gives the same answer.
 */
export function lanczosTopEigen(matrix: Float64Array, d: number, k: number, maxSteps = LANCZOS_MAX_STEPS): TopEigen | undefined {
  const m = Math.min(d, maxSteps);
  const q = new Float64Array(m * d); // the Krylov basis, one vector per row
  const alpha = new Float64Array(m), beta = new Float64Array(m);
  const w = new Float64Array(d);
  const rnd = seededNormal(20240607);
  const row = (j: number) => q.subarray(j * d, (j + 1) * d);
  /** Twice is enough: the second pass removes what rounding left from the first. */
  const orthogonalize = (v: Float64Array, count: number) => {
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < count; i++) subtractProjection(v, row(i));
  };
  /** A fresh random unit vector orthogonal to the basis so far (the start, or after an invariant subspace). */
  const restart = (j: number): boolean => {
    const v = row(j);
    for (let t = 0; t < d; t++) v[t] = rnd();
    orthogonalize(v, j);
    return normalize(v) > 0;
  };
  restart(0);
  for (let j = 0; j < m; j++) {
    const qj = row(j);
    matVec(matrix, d, qj, w);
    alpha[j] = dot(qj, w);
    orthogonalize(w, j + 1); // subsumes the three-term recurrence's w − αⱼqⱼ − βⱼ₋₁qⱼ₋₁
    let b = Math.sqrt(dot(w, w));
    const steps = j + 1;
    const ritz = steps >= k ? tridiagonalTopEigen({ diag: alpha.subarray(0, steps), off: beta.subarray(0, j) }, k) : undefined;
    const scale = ritz ? Math.abs(ritz.values[0]) : 0;
    // An invariant subspace (b at rounding level): its Ritz pairs are exact; continue from a new direction.
    const invariant = b <= 1e-14 * Math.max(scale, Math.abs(alpha[j]));
    if (invariant) b = 0;
    if (ritz && ritz.ys.every((y) => Math.abs(b * y[j]) <= LANCZOS_TOLERANCE * scale)) {
      const vectors = new Float64Array(k * d);
      ritz.ys.forEach((y, i) => {
        const v = vectors.subarray(i * d, (i + 1) * d);
        for (let l = 0; l < steps; l++) for (let t = 0, o = l * d; t < d; t++) v[t] += y[l] * q[o + t];
        normalize(v);
      });
      const residual = relativeResidual(matrix, d, ritz.values, vectors);
      const ok = residual <= LANCZOS_TOLERANCE && certifyTop(matrix, d, ritz.values, vectors, CERTIFICATE_MARGIN * scale, Math.max(scale, 1e-300));
      return ok ? { values: ritz.values, vectors, relativeResidual: residual, method: 'lanczos' } : undefined;
    }
    if (steps === m) break;
    beta[j] = b;
    if (invariant) {
      if (!restart(steps)) break;
    } else for (let t = 0, o = steps * d; t < d; t++) q[o + t] = w[t] / b;
  }
  return undefined;
}

export interface EigenOptions {
  /** Lanczos step budget (default LANCZOS_MAX_STEPS); 0 forces the direct solver. */
  maxSteps?: number;
}

/**
 * The k largest eigenpairs of the symmetric d × d matrix `matrix` (row-major): Lanczos when it pays off and
 * can prove its answer, otherwise the direct solver. Either way the pairs are exact to rounding.
 */
export function symmetricTopEigen(matrix: Float64Array, d: number, k: number, opts: EigenOptions = {}): TopEigen {
  if (matrix.length !== d * d) throw new Error(`symmetricTopEigen: matrix has ${matrix.length} entries, expected ${d} × ${d}`);
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`symmetricTopEigen: k must be in [1, ${d}]; got ${k}`);
  const maxSteps = opts.maxSteps ?? LANCZOS_MAX_STEPS;
  const fast = d >= LANCZOS_MIN_D && k <= LANCZOS_MAX_K && maxSteps >= k ? lanczosTopEigen(matrix, d, k, maxSteps) : undefined;
  return fast ?? directTopEigen(matrix, d, k);
}
