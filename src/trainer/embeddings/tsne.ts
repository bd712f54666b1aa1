/**
 * Barnes–Hut t-SNE (van der Maaten 2014) in plain JS: sparse input affinities from the exact
 * ⌊3·perplexity⌋ nearest neighbours, a quadtree for the repulsive forces (θ = 0.5), early exaggeration 12
 * for the first quarter (≤ 250 iterations) with momentum 0.5, then momentum 0.8, delta-bar-delta gains,
 * learning rate max(n / 12, 50) (Belkina et al. 2019) and a seeded Gaussian start of scale 1e-4.
 */
import { nearestNeighbours } from './knn';
import { QuadTree } from './quadtree';
import { seededNormal } from './random';

export interface TsneOptions {
  perplexity: number;
  iterations: number;
  seed: number;
  theta?: number;
  onProgress?: (fraction: number) => void;
}

const EXAGGERATION = 12;

/** The most gradient steps a t-SNE job may take: the layout has long converged by then (1000 is the usual), and a bound keeps a typo from running for days. */
export const TSNE_MAX_ITERATIONS = 10_000;

export function checkTsneOptions(n: number, o: { perplexity: number; iterations: number }): void {
  if (!(o.perplexity >= 2)) throw new Error(`t-SNE perplexity must be ≥ 2; got ${o.perplexity}`);
  if (3 * o.perplexity > n - 1) {
    throw new Error(`t-SNE perplexity ${o.perplexity} needs at least ${Math.ceil(3 * o.perplexity) + 1} points, this embedding has ${n}; use a perplexity ≤ ${Math.max(2, Math.floor((n - 1) / 3))}`);
  }
  if (!Number.isInteger(o.iterations) || o.iterations < 100 || o.iterations > TSNE_MAX_ITERATIONS) {
    throw new Error(`t-SNE iterations must be an integer from 100 to ${TSNE_MAX_ITERATIONS}; got ${o.iterations}`);
  }
}

/** Row-normalised Gaussian conditionals p_{j|i} over each point's neighbours, each row at the target perplexity. */
function conditionals(dist2: Float64Array, n: number, k: number, perplexity: number): Float64Array {
  const p = new Float64Array(n * k);
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const dmin = dist2[o]; // nearest first; subtracting it keeps exp() away from underflow
    let beta = 1, lo = -Infinity, hi = Infinity;
    for (let it = 0; it < 200; it++) {
      let sum = 0, sumDP = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(-beta * (dist2[o + c] - dmin));
        p[o + c] = e;
        sum += e;
        sumDP += e * (dist2[o + c] - dmin);
      }
      // Entropy H = log Σ + β Σ p d / Σ (with the shifted distances; the shift cancels in p).
      const h = Math.log(sum) + (beta * sumDP) / sum;
      for (let c = 0; c < k; c++) p[o + c] /= sum;
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return p;
}

interface Sparse {
  rowStart: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/** P = (P_cond + P_condᵀ) / 2n as a symmetric sparse matrix in CSR form. */
function symmetrize(indices: Int32Array, cond: Float64Array, n: number, k: number): Sparse {
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      counts[i + 1]++;
      counts[indices[i * k + c] + 1]++;
    }
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  const cols = new Int32Array(counts[n]);
  const vals = new Float64Array(counts[n]);
  const cursor = counts.slice(0, n);
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const j = indices[i * k + c];
      const v = cond[i * k + c] * scale;
      cols[cursor[i]] = j;
      vals[cursor[i]++] = v;
      cols[cursor[j]] = i;
      vals[cursor[j]++] = v;
    }
  }
  // Merge duplicate (i, j) entries (pairs that are neighbours both ways) so every edge appears once per row.
  const rowStart = new Int32Array(n + 1);
  let w = 0;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    rowStart[i] = w;
    order.length = 0;
    for (let e = counts[i]; e < counts[i + 1]; e++) order.push(e);
    order.sort((a, b) => cols[a] - cols[b]);
    const mergedCols: number[] = [];
    const mergedVals: number[] = [];
    for (const e of order) {
      if (mergedCols.length && mergedCols[mergedCols.length - 1] === cols[e]) mergedVals[mergedVals.length - 1] += vals[e];
      else {
        mergedCols.push(cols[e]);
        mergedVals.push(vals[e]);
      }
    }
    for (let m = 0; m < mergedCols.length; m++) {
      cols[w] = mergedCols[m];
      vals[w++] = mergedVals[m];
    }
  }
  rowStart[n] = w;
  return { rowStart, cols: cols.slice(0, w), vals: vals.slice(0, w) };
}

/** 2-D t-SNE layout of the n × d rows of x; returns n × 2 coordinates. */
export function tsne(x: Float32Array, n: number, d: number, opts: TsneOptions): Float32Array {
  checkTsneOptions(n, opts);
  const theta = opts.theta ?? 0.5;
  const progress = opts.onProgress;
  const k = Math.min(n - 1, Math.floor(3 * opts.perplexity));
  // 0–20 %: neighbours; 20–100 %: gradient descent.
  const nb = nearestNeighbours(x, n, d, k, 'euclidean', null, progress && ((f) => progress(0.2 * f)));
  const P = symmetrize(nb.indices, conditionals(nb.values, n, k, opts.perplexity), n, k);

  const rnd = seededNormal(opts.seed);
  const y = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) y[i] = 1e-4 * rnd();
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const grad = new Float64Array(2 * n);
  const rep = new Float64Array(2 * n);
  const force = new Float64Array(2);
  const tree = new QuadTree(n);
  const learningRate = Math.max(n / EXAGGERATION, 50);
  const exaggerationIters = Math.min(250, Math.floor(opts.iterations / 4));

  for (let iter = 0; iter < opts.iterations; iter++) {
    const early = iter < exaggerationIters;
    const exaggeration = early ? EXAGGERATION : 1;
    const momentum = early ? 0.5 : 0.8;
    tree.build(y);
    let sumQ = 0;
    for (let i = 0; i < n; i++) {
      sumQ += tree.repulsion(y, i, theta, force);
      rep[2 * i] = force[0];
      rep[2 * i + 1] = force[1];
    }
    for (let i = 0; i < n; i++) {
      let ax = 0, ay = 0;
      const xi = y[2 * i], yi = y[2 * i + 1];
      for (let e = P.rowStart[i]; e < P.rowStart[i + 1]; e++) {
        const j = P.cols[e];
        const dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
        const f = P.vals[e] / (1 + dx * dx + dy * dy);
        ax += f * dx;
        ay += f * dy;
      }
      grad[2 * i] = 4 * (exaggeration * ax - rep[2 * i] / sumQ);
      grad[2 * i + 1] = 4 * (exaggeration * ay - rep[2 * i + 1] / sumQ);
    }
    let cx = 0, cy = 0;
    for (let c = 0; c < 2 * n; c++) {
      const g = grad[c];
      // Delta-bar-delta: grow the step where the gradient keeps its direction, shrink it where it flips.
      gains[c] = Math.sign(g) !== Math.sign(update[c]) ? gains[c] + 0.2 : Math.max(0.01, gains[c] * 0.8);
      update[c] = momentum * update[c] - learningRate * gains[c] * g;
      y[c] += update[c];
      if (c & 1) cy += y[c];
      else cx += y[c];
    }
    cx /= n;
    cy /= n;
    for (let i = 0; i < n; i++) {
      y[2 * i] -= cx;
      y[2 * i + 1] -= cy;
    }
    if (progress && (iter % 10 === 9 || iter === opts.iterations - 1)) progress(0.2 + (0.8 * (iter + 1)) / opts.iterations);
  }
  return Float32Array.from(y);
}
