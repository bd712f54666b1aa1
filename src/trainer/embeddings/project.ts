/**
 * One projection request end to end: find the snapshot, answer from the cache when the key matches,
 * otherwise L2-normalise the rows (contrastive embeddings are compared by cosine), project, measure the
 * cluster quality and cache everything in the run folder.
 *
 * UMAP and t-SNE run on the top 50 principal components of the normalised rows when dim > 50 (as Rtsne and
 * scanpy do): the neighbour search gets 10× cheaper on 512-D encoders and the layout barely changes.
 * The high-dimensional metrics are cached separately (`metrics-<key>.json`) since they do not depend on the
 * projection method.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMBEDDING_SCHEMA_VERSION, type ClusterMetrics, type EmbeddingLayer, type ProjectionHeader, type ProjectionMethod, type ProjectionParams, type TsneParams, type UmapParams } from '../../shared/embeddingFiles';
import { canonicalJson, normalizeParams, projectionKey, projectionPaths, readCachedProjection, snapshotIdentity, writeProjection, type SnapshotIdentity } from './cache';
import { checkFiniteVectors, embeddingsDir, findEmbedding, readEmbedding, writeFileAtomic } from './format';
import {
  DEFAULT_KNN_QUERIES,
  DEFAULT_METRIC_K,
  DEFAULT_SILHOUETTE_SAMPLE,
  cosineDistanceMatrix,
  knnAccuracy,
  normalizeRows,
  planeDistance,
  silhouette,
  silhouetteSample,
} from './metrics';
import { pca, type CovarianceFn } from './pca';
import { checkTsneOptions, tsne } from './tsne';
import { checkUmapOptions, umap } from './umap';

export const PRE_PCA_DIMS = 50;
const METRIC_SEED = 1;

export interface ProjectRequest {
  runDir: string;
  /** Undefined = the newest snapshot of the layer. */
  epoch?: number;
  layer: EmbeddingLayer;
  method: ProjectionMethod;
  /** Method parameters; missing ones take the defaults. */
  params?: Record<string, number>;
  /** Faster covariance for the PCA steps (see tfCovariance). */
  covariance?: CovarianceFn;
}

export interface ProjectResult {
  headerPath: string;
  header: ProjectionHeader;
  coords: Float32Array;
  cached: boolean;
}

export type ProgressFn = (fraction: number, stage: string) => void;

/** Maps a stage's own 0..1 progress into [from, to] of the whole job. */
function stage(report: ProgressFn | undefined, name: string, from: number, to: number): ((f: number) => void) | undefined {
  if (!report) return undefined;
  return (f) => report(from + (to - from) * Math.min(1, Math.max(0, f)), name);
}

/** Validates a request's parameters against the snapshot size before any heavy work. */
export function checkRequest(method: ProjectionMethod, params: ProjectionParams, count: number): void {
  if (method === 'umap') checkUmapOptions(count, params as UmapParams);
  if (method === 'tsne') checkTsneOptions(count, params as TsneParams);
  if (count < 3) throw new Error(`a projection needs at least 3 points; this snapshot has ${count}`);
}

interface HighDimMetrics {
  knnAccuracy: number | null;
  knnK: number;
  knnQueries: number;
  silhouette: number | null;
  silhouetteSample: number;
}

function metricsPath(runDir: string, id: SnapshotIdentity): string {
  const key = createHash('sha256')
    .update(canonicalJson({ v: 1, id, k: DEFAULT_METRIC_K, q: DEFAULT_KNN_QUERIES, s: DEFAULT_SILHOUETTE_SAMPLE, seed: METRIC_SEED }))
    .digest('hex')
    .slice(0, 16);
  return path.join(embeddingsDir(runDir), `metrics-${key}.json`);
}

function highDimMetrics(runDir: string, id: SnapshotIdentity, unit: Float32Array, n: number, d: number, labels: Int32Array, sample: Int32Array, report?: (f: number) => void): HighDimMetrics {
  const file = metricsPath(runDir, id);
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as HighDimMetrics & { source: string };
    if (cached.source === id.source && typeof cached.knnK === 'number') return cached;
  } catch {
    // absent or unreadable: compute
  }
  const knn = knnAccuracy(unit, n, d, labels, { k: DEFAULT_METRIC_K, maxQueries: DEFAULT_KNN_QUERIES, seed: METRIC_SEED, onProgress: report && ((f) => report(0.7 * f)) });
  const sil = silhouette(sample, labels, cosineDistanceMatrix(unit, d, sample));
  report?.(1);
  const result: HighDimMetrics = { knnAccuracy: knn.accuracy, knnK: knn.k, knnQueries: knn.queries, silhouette: sil, silhouetteSample: sample.length };
  writeFileAtomic(file, JSON.stringify({ ...result, source: id.source }) + '\n');
  return result;
}

export function project(req: ProjectRequest, report?: ProgressFn): ProjectResult {
  const entry = findEmbedding(req.runDir, req.layer, req.epoch);
  const params = normalizeParams(req.method, req.params ?? {});
  checkRequest(req.method, params, entry.count);
  const id = snapshotIdentity(req.runDir, entry);
  const key = projectionKey(id, req.method, params);
  const cached = readCachedProjection(req.runDir, key);
  if (cached) {
    report?.(1, 'cached');
    return { headerPath: cached.path, header: cached.header, coords: cached.coords, cached: true };
  }

  const started = Date.now();
  report?.(0, 'reading');
  const headerFile = path.join(req.runDir, entry.path);
  const emb = readEmbedding(headerFile);
  const { count: n, dim: d } = emb.header;
  checkFiniteVectors(emb, headerFile);
  const unit = normalizeRows(emb.vectors, n, d);

  let coords: Float32Array;
  let explainedVariance: number[] | undefined;
  // Progress budget: the projection 0–75 %, the metrics 75–100 %.
  if (req.method === 'pca') {
    const r = pca(unit, n, d, { components: 2, covariance: req.covariance, onProgress: stage(report, 'PCA', 0.02, 0.75) });
    coords = r.coords;
    explainedVariance = r.explainedVariance;
  } else {
    let input = unit;
    let inputDim = d;
    let from = 0.02;
    if (d > PRE_PCA_DIMS && n > PRE_PCA_DIMS) {
      input = pca(unit, n, d, { components: PRE_PCA_DIMS, covariance: req.covariance, onProgress: stage(report, `PCA to ${PRE_PCA_DIMS} dims`, 0.02, 0.12) }).coords;
      inputDim = PRE_PCA_DIMS;
      from = 0.12;
    }
    if (req.method === 'umap') {
      const p = params as UmapParams;
      coords = umap(input, n, inputDim, { ...p, onProgress: stage(report, 'UMAP', from, 0.75) });
    } else {
      const p = params as TsneParams;
      coords = tsne(input, n, inputDim, { ...p, onProgress: stage(report, 't-SNE', from, 0.75) });
    }
  }

  const sample = silhouetteSample(n, DEFAULT_SILHOUETTE_SAMPLE, METRIC_SEED);
  const high = highDimMetrics(req.runDir, id, unit, n, d, emb.labels, sample, stage(report, 'cluster metrics', 0.75, 0.99));
  const metrics: ClusterMetrics = { ...high, silhouette2d: silhouette(sample, emb.labels, planeDistance(coords)) };
  const header: ProjectionHeader = {
    schemaVersion: EMBEDDING_SCHEMA_VERSION,
    key,
    method: req.method,
    params,
    source: entry.path,
    epoch: entry.epoch,
    step: entry.step,
    layer: entry.layer,
    count: n,
    coords: path.basename(projectionPaths(req.runDir, key).coords),
    metrics,
    seconds: (Date.now() - started) / 1000,
    createdAt: new Date().toISOString(),
  };
  if (explainedVariance) header.explainedVariance = explainedVariance;
  const headerPath = writeProjection(req.runDir, header, coords);
  report?.(1, 'done');
  return { headerPath, header, coords, cached: false };
}
