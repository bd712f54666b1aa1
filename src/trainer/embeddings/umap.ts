/** UMAP via umap-js, driven epoch by epoch so progress can be reported, with a seeded random source. */
import { UMAP } from 'umap-js';
import { seededUniform } from './random';

export interface UmapOptions {
  nNeighbors: number;
  minDist: number;
  /** 0 = umap-js's default for the size (500 epochs up to 2 500 points … 200 above 7 500). */
  nEpochs: number;
  seed: number;
  onProgress?: (fraction: number) => void;
}

/** The most optimisation epochs a UMAP job may take (umap-js picks 200–500 by size); a bound keeps a typo from running for days. */
export const UMAP_MAX_EPOCHS = 10_000;

export function checkUmapOptions(n: number, o: { nNeighbors: number; minDist: number; nEpochs: number }): void {
  if (!Number.isInteger(o.nNeighbors) || o.nNeighbors < 2) throw new Error(`UMAP neighbors must be an integer ≥ 2; got ${o.nNeighbors}`);
  if (o.nNeighbors >= n) throw new Error(`UMAP neighbors (${o.nNeighbors}) must be smaller than the number of points (${n}); use --neighbors ≤ ${n - 1}`);
  if (!(o.minDist >= 0 && o.minDist <= 1)) throw new Error(`UMAP min-dist must be in [0, 1]; got ${o.minDist}`);
  if (!Number.isInteger(o.nEpochs) || o.nEpochs < 0 || o.nEpochs > UMAP_MAX_EPOCHS) {
    throw new Error(`UMAP epochs must be an integer from 0 (automatic) to ${UMAP_MAX_EPOCHS}; got ${o.nEpochs}`);
  }
}

/** 2-D UMAP layout of the n × d rows of x (Euclidean distance); returns n × 2 coordinates. */
export function umap(x: Float32Array, n: number, d: number, opts: UmapOptions): Float32Array {
  checkUmapOptions(n, opts);
  const rows = new Array<number[]>(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(x.subarray(i * d, (i + 1) * d));
  const model = new UMAP({
    nComponents: 2,
    nNeighbors: opts.nNeighbors,
    minDist: opts.minDist,
    nEpochs: opts.nEpochs || undefined,
    random: seededUniform(opts.seed),
  });
  // The neighbour graph is about a fifth of the work; the epochs the rest.
  opts.onProgress?.(0);
  const epochs = model.initializeFit(rows);
  opts.onProgress?.(0.2);
  for (let e = 0; e < epochs; e++) {
    model.step();
    if (opts.onProgress && (e % 10 === 9 || e === epochs - 1)) opts.onProgress(0.2 + (0.8 * (e + 1)) / epochs);
  }
  const out = new Float32Array(2 * n);
  model.getEmbedding().forEach((p, i) => {
    out[2 * i] = p[0];
    out[2 * i + 1] = p[1];
  });
  return out;
}
