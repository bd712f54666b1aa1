/**
 * Limited-memory BFGS for smooth convex objectives, on plain Float64Arrays. The objective is async so its value
 * and gradient can come from a tfjs backend; the optimiser's own state (a few vectors of the parameter count)
 * stays in JavaScript.
 */

export interface Objective {
  (x: Float64Array): Promise<{ value: number; grad: Float64Array }>;
}

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when the largest gradient component is at most this. */
  gradTol: number;
  /** Stop when an iteration lowers the value by less than this fraction of it (float32 objectives plateau near 1e-7). */
  relTol: number;
  /** Correction pairs kept. */
  memory: number;
  /**
   * Diagonal of the initial inverse-Hessian guess, up to scale (a preconditioner); the default is the identity.
   * It changes the path to the minimum, never the minimum.
   */
  diagonal?: Float64Array;
}

export const DEFAULT_LBFGS: LbfgsOptions = { maxIterations: 200, gradTol: 1e-5, relTol: 1e-7, memory: 10 };

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  /** Objective evaluations, line-search trials included. */
  evaluations: number;
  /** Why it stopped. */
  reason: 'gradient' | 'no progress' | 'line search' | 'iterations';
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

export async function minimizeLbfgs(f: Objective, x0: Float64Array, options: Partial<LbfgsOptions> = {}): Promise<LbfgsResult> {
  const opt = { ...DEFAULT_LBFGS, ...options };
  const n = x0.length;
  if (opt.diagonal && (opt.diagonal.length !== n || !opt.diagonal.every((v) => v > 0))) throw new Error(`L-BFGS: the diagonal needs ${n} positive entries`);
  const P = opt.diagonal ?? new Float64Array(n).fill(1);
  let x = Float64Array.from(x0);
  let { value, grad } = await f(x);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(opt.memory);
  let reason: LbfgsResult['reason'] = 'iterations';
  let iterations = 0;

  for (; iterations < opt.maxIterations; iterations++) {
    if (maxAbs(grad) <= opt.gradTol) {
      reason = 'gradient';
      break;
    }
    // Two-loop recursion: direction = −H·g with the implicit inverse-Hessian estimate H.
    const d = Float64Array.from(grad, (g) => -g);
    for (let i = s.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(s[i], d);
      for (let j = 0; j < n; j++) d[j] -= alpha[i] * y[i][j];
    }
    // H₀ = γ·P: the first step has unit length along −P·g; later ones the usual sᵀy / yᵀPy scaling.
    const pd = Float64Array.from(d, (v, j) => v * P[j]);
    const gamma = s.length ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], Float64Array.from(y[y.length - 1], (v, j) => v * P[j])) : 1 / Math.sqrt(dot(pd, pd));
    for (let j = 0; j < n; j++) d[j] = gamma * pd[j];
    for (let i = 0; i < s.length; i++) {
      const beta = rho[i] * dot(y[i], d);
      for (let j = 0; j < n; j++) d[j] += (alpha[i] - beta) * s[i][j];
    }
    let slope = dot(grad, d);
    if (!(slope < 0)) {
      // Not a descent direction (float noise in the curvature pairs): restart from (preconditioned) steepest descent.
      s.length = y.length = rho.length = 0;
      const pg = Float64Array.from(grad, (g, j) => g * P[j]);
      const norm = Math.sqrt(dot(pg, pg));
      for (let j = 0; j < n; j++) d[j] = -pg[j] / norm;
      slope = dot(grad, d);
    }

    // Backtracking line search with the Armijo condition; L-BFGS's unit step is accepted almost always.
    let step = 1;
    let next: { value: number; grad: Float64Array } | undefined;
    const xNext = new Float64Array(n);
    for (let trial = 0; trial < 30; trial++) {
      for (let j = 0; j < n; j++) xNext[j] = x[j] + step * d[j];
      const r = await f(xNext);
      evaluations++;
      if (Number.isFinite(r.value) && r.value <= value + 1e-4 * step * slope) {
        next = r;
        break;
      }
      step /= 2;
    }
    if (!next) {
      reason = 'line search';
      break;
    }
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      sNew[j] = xNext[j] - x[j];
      yNew[j] = next.grad[j] - grad[j];
    }
    const sy = dot(sNew, yNew);
    // A pair without positive curvature would break the inverse-Hessian estimate; skip it.
    if (sy > 1e-12 * Math.sqrt(dot(sNew, sNew) * dot(yNew, yNew))) {
      if (s.length === opt.memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    const drop = value - next.value;
    x = xNext;
    value = next.value;
    grad = next.grad;
    if (drop <= opt.relTol * Math.max(1, Math.abs(value))) {
      iterations++;
      reason = 'no progress';
      break;
    }
  }
  return { x, value, iterations, evaluations, reason };
}
