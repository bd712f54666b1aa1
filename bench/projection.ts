/**
 * Embedding-projection speed figures (milliseconds unless named otherwise; each compute figure also has a
 * …CpuMs twin, the process CPU time, which separates the algorithm's cost from a busy machine):
 *   projection.pca.10000x512Ms          exact PCA (covariance + eigensolver + scores) of 10 000 × 512 clustered rows,
 *                                       then the CLI's split: its covariance alone, the top-2 eigensolve alone
 *                                       (Lanczos, or the direct solver when it cannot vouch), and the direct solver
 *   projection.metrics.10000x512Ms      cluster metrics on the same rows: kNN (1 000 queries, k 20) + silhouette (2 000)
 *   projection.umap.2000x50Ms           UMAP (umap-js, default 500 epochs) of 2 000 × 50 (what `project` feeds it after PCA-50)
 *   projection.tsne.2000x50Ms           Barnes–Hut t-SNE, perplexity 30, 1 000 iterations, 2 000 × 50
 *   projection.frame60k.medianMs/p95Ms  headless Chromium, 60 000 points, zooming every frame: interval between
 *                                       animation frames (16.7 = 60 fps cap); NaN when /usr/bin/chromium is missing
 *   projection.frame60k.webgl           1 when the page drew with WebGL, 0 for the Canvas 2D fallback
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { cosineDistanceMatrix, knnAccuracy, normalizeRows, silhouette, silhouetteSample } from '../src/trainer/embeddings/metrics';
import { directTopEigen, symmetricTopEigen } from '../src/trainer/embeddings/linalg';
import { pca } from '../src/trainer/embeddings/pca';
import { tfCovariance } from '../src/trainer/embeddings/tfCovariance';
import { seededNormal } from '../src/trainer/embeddings/random';
import { tsne } from '../src/trainer/embeddings/tsne';
import { umap } from '../src/trainer/embeddings/umap';
import type { ProjectionPayload } from '../src/shared/projectionMessages';
import { startPageServer, type PageFixture } from '../test/projection/pageServer';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function clustered(n: number, d: number, classes: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rnd = seededNormal(seed);
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: d }, () => 2 * rnd()));
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let t = 0; t < d; t++) x[i * d + t] = centres[i % classes][t] + rnd();
  }
  return { x, labels };
}

/** Wall and CPU milliseconds of f (CPU time tells the algorithm's cost apart from a busy machine's). */
function time(out: Record<string, number>, key: string, f: () => void): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  out[`${key}Ms`] = performance.now() - t0;
  const c = process.cpuUsage(c0);
  out[`${key}CpuMs`] = (c.user + c.system) / 1000;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function frameTimes(points: number): Promise<{ median: number; p95: number; webgl: number }> {
  if (!fs.existsSync(CHROMIUM)) return { median: NaN, p95: NaN, webgl: NaN };
  const { x, labels } = clustered(points, 2, 10, 5);
  const payload: ProjectionPayload = {
    type: 'projection', slot: 0, requestId: 0, dataset: 'synthetic', dim: 2, classNames: Array.from({ length: 10 }, (_, i) => `class ${i}`),
    coords: x, labels, indices: Int32Array.from({ length: points }, (_, i) => i), cached: true,
    header: {
      schemaVersion: 1, key: '0000000000000000', method: 'pca', params: {}, source: 'embeddings/e0001-encoder.json', epoch: 1, step: 1, layer: 'encoder',
      count: points, coords: 'proj-0000000000000000.f32', seconds: 0, createdAt: new Date(0).toISOString(),
      metrics: { knnAccuracy: null, knnK: 0, knnQueries: 0, silhouette: null, silhouette2d: null, silhouetteSample: 0 },
    },
  };
  const fx: PageFixture = {
    catalog: [{ slot: 0, runDir: '/bench', runName: 'bench', description: `${points} points`, snapshots: [{ epoch: 1, step: 1, layer: 'encoder', count: points, dim: 2, dataset: 'synthetic' }], hasImages: false }],
    projections: { '0:1:pca': payload },
    neighbours: {},
    thumbnails: {},
  };
  const server = await startPageServer(fx);
  // Loaded at run time, not bundled: playwright-core is a dev dependency with its own file layout.
  const { chromium } = createRequire(__filename)('playwright-core') as typeof import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.origin}/?views=1`);
    await page.waitForFunction(() => /epoch/.test(document.querySelector('.caption')?.textContent ?? ''));
    const webgl = (await page.locator('.renderer').textContent()) === 'WebGL' ? 1 : 0;
    const intervals = await page.evaluate(async () => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas.scatter-canvas')!;
      const r = canvas.getBoundingClientRect();
      const times: number[] = [];
      let last = 0;
      await new Promise<void>((resolve) => {
        let i = 0;
        const tick = (t: number) => {
          if (last) times.push(t - last);
          last = t;
          // Zoom in and out around the centre: every frame redraws all points with a new camera.
          canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i % 40 < 20 ? -40 : 40, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
          if (++i < 150) requestAnimationFrame(tick);
          else resolve();
        };
        requestAnimationFrame(tick);
      });
      return times;
    });
    const sorted = intervals.slice(10).sort((a, b) => a - b);
    return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), webgl };
  } finally {
    await browser.close();
    await server.close();
  }
}

export async function benchProjection(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const n = opts.quick ? 2000 : 10000;
  const small = opts.quick ? 500 : 2000;
  const out: Record<string, number> = {};
  const big = clustered(n, 512, 10, 1);
  time(out, `projection.pca.${n}x512 (plain JS)`, () => pca(big.x, n, 512));
  const covariance = await tfCovariance();
  if (!covariance) throw new Error(`this backend cannot read synchronously, so the CLI uses the plain-JS covariance`);
  pca(big.x.subarray(0, 64 * 512), 64, 512, { covariance }); // warm-up: kernel set-up is not part of the figure
  let mean: Float64Array = new Float64Array(512);
  time(out, `projection.pca.${n}x512 (TensorFlow.js covariance, as the CLI runs it)`, () => {
    mean = pca(big.x, n, 512, { covariance }).mean;
  });
  let c: Float64Array = new Float64Array(0);
  time(out, `projection.pca.${n}x512 covariance only (TensorFlow.js)`, () => {
    c = covariance(big.x, n, 512, mean);
  });
  const method = symmetricTopEigen(c, 512, 2).method;
  time(out, `projection.pca.${n}x512 eigensolve only (top 2: ${method})`, () => symmetricTopEigen(c, 512, 2));
  time(out, `projection.pca.${n}x512 eigensolve only (top 2: direct solver)`, () => directTopEigen(c, 512, 2));
  time(out, `projection.metrics.${n}x512`, () => {
    const unit = normalizeRows(big.x, n, 512);
    knnAccuracy(unit, n, 512, big.labels);
    const sample = silhouetteSample(n);
    silhouette(sample, big.labels, cosineDistanceMatrix(unit, 512, sample));
  });
  const mid = clustered(small, 50, 10, 2);
  time(out, `projection.umap.${small}x50`, () => umap(mid.x, small, 50, { nNeighbors: 15, minDist: 0.1, nEpochs: 0, seed: 1 }));
  time(out, `projection.tsne.${small}x50`, () => tsne(mid.x, small, 50, { perplexity: 30, iterations: 1000, seed: 1 }));
  const frames = await frameTimes(opts.quick ? 20000 : 60000);
  const label = opts.quick ? 'frame20k' : 'frame60k';
  out[`projection.${label}.medianMs`] = frames.median;
  out[`projection.${label}.p95Ms`] = frames.p95;
  out[`projection.${label}.webgl`] = frames.webgl;
  return out;
}
