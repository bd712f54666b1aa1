/**
 * The on-disk format of `<runDir>/embeddings/`: embedding snapshots, hover thumbnails and cached projections
 * (written by the trainer and the `project` CLI, read by the CLI and the extension host), with their readers'
 * checks and the little-endian codecs of the binary files. The host ↔ webview messages that carry them are
 * in projectionMessages.ts.
 *
 * Plain data and pure functions only (no fs, no vscode, no tfjs): the webview bundles this file, and the
 * host may not import src/trainer/, so every validation rule for the binary files lives here once.
 */

export const EMBEDDING_SCHEMA_VERSION = 1 as const;

export type EmbeddingLayer = 'encoder' | 'projection';
export const EMBEDDING_LAYERS: readonly EmbeddingLayer[] = ['encoder', 'projection'];

export type ProjectionMethod = 'pca' | 'umap' | 'tsne';
export const PROJECTION_METHODS: readonly ProjectionMethod[] = ['pca', 'umap', 'tsne'];

/** `<runDir>/embeddings/eNNNN-<layer>.json`: one snapshot of test-split embeddings. */
export interface EmbeddingHeader {
  schemaVersion: typeof EMBEDDING_SCHEMA_VERSION;
  count: number;
  dim: number;
  epoch: number;
  step: number;
  layer: EmbeddingLayer;
  dataset: string;
  /** File name (same folder): little-endian float32, count × dim, row-major. */
  vectors: string;
  /** File name: little-endian int32 class labels, count. */
  labels: string;
  /** File name: little-endian int32 indices into the test split, count. */
  indices: string;
  classNames?: string[];
}

/** A header plus where it was found. */
export interface EmbeddingEntry extends EmbeddingHeader {
  /** Header path relative to the run folder, with forward slashes (`embeddings/e0003-encoder.json`). */
  path: string;
}

/** `<runDir>/embeddings/sample-images.json`: thumbnails for hover, written once per run. */
export interface SampleImagesHeader {
  schemaVersion: typeof EMBEDDING_SCHEMA_VERSION;
  count: number;
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB); pixels are interleaved HWC, uint8. */
  channels: number;
  /** File name: uint8 count × height × width × channels. */
  images: string;
  /** Test-split index of each stored image, in file order. */
  indices: number[];
}

/** PCA takes no parameters. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the empty member of the ProjectionParams union
export interface PcaParams {}
export interface UmapParams {
  nNeighbors: number;
  minDist: number;
  /** 0 = umap-js's size-dependent default (500 epochs up to 2 500 points … 200 above 7 500). */
  nEpochs: number;
  seed: number;
}
export interface TsneParams {
  perplexity: number;
  iterations: number;
  seed: number;
}
export type ProjectionParams = PcaParams | UmapParams | TsneParams;
export interface ProjectionParamsByMethod {
  pca: PcaParams;
  umap: UmapParams;
  tsne: TsneParams;
}

export const DEFAULT_PARAMS: { [M in ProjectionMethod]: ProjectionParamsByMethod[M] } = {
  pca: {},
  umap: { nNeighbors: 15, minDist: 0.1, nEpochs: 0, seed: 1 },
  tsne: { perplexity: 30, iterations: 1000, seed: 1 },
};

/** Validates method-specific parameters; returns an error message or null. */
export function checkParams(method: ProjectionMethod, params: unknown): string | null {
  if (typeof params !== 'object' || params === null) return 'params must be an object';
  const p = params as Record<string, unknown>;
  const keys = Object.keys(DEFAULT_PARAMS[method]);
  const extra = Object.keys(p).filter((k) => !keys.includes(k));
  if (extra.length) return `${method} takes no parameter ${extra.join(', ')} (it takes: ${keys.join(', ') || 'none'})`;
  for (const k of keys) if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) return `${method}.${k} must be a finite number`;
  return null;
}

/** Cluster-quality numbers shown next to a projection. */
export interface ClusterMetrics {
  /** Leave-one-out kNN accuracy, cosine similarity on the high-dimensional vectors; null without ≥ 2 classes. */
  knnAccuracy: number | null;
  knnK: number;
  /** How many points were classified (a seeded sample when the embedding is large). */
  knnQueries: number;
  /** Mean silhouette with cosine distance on the high-dimensional vectors; null without ≥ 2 classes. */
  silhouette: number | null;
  /** Mean silhouette with Euclidean distance on the 2-D projection (same sample); how well the picture separates. */
  silhouette2d: number | null;
  /** Points in the silhouette sample (≤ 2 000, seeded). */
  silhouetteSample: number;
}

/** `<runDir>/embeddings/proj-<key>.json`: a cached 2-D projection of one embedding snapshot. */
export interface ProjectionHeader {
  schemaVersion: typeof EMBEDDING_SCHEMA_VERSION;
  key: string;
  method: ProjectionMethod;
  params: ProjectionParams;
  /** Embedding header path relative to the run folder. */
  source: string;
  epoch: number;
  step: number;
  layer: EmbeddingLayer;
  count: number;
  /** File name: little-endian float32 count × 2 (x, y per point). */
  coords: string;
  metrics: ClusterMetrics;
  /** PCA only: fraction of the total variance along each of the two axes. */
  explainedVariance?: number[];
  seconds: number;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------------
// File names

export function embeddingBaseName(epoch: number, layer: EmbeddingLayer): string {
  return `e${String(epoch).padStart(4, '0')}-${layer}`;
}

/** Matches the header names writeEmbedding produces; group 1 is the epoch, group 2 the layer. */
export const EMBEDDING_HEADER_RE = /^e(\d{4,})-(encoder|projection)\.json$/;
export const PROJECTION_HEADER_RE = /^proj-([0-9a-f]{16})\.json$/;
export const SAMPLE_IMAGES_HEADER = 'sample-images.json';

// ---------------------------------------------------------------------------------------------------
// Validation of headers read from disk

type Obj = Record<string, unknown>;

function fail(file: string, what: string): never {
  throw new Error(`${file}: ${what}`);
}

function obj(value: unknown, file: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, 'expected a JSON object');
  return value as Obj;
}

function count(o: Obj, key: string, file: string, min = 0): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(file, `"${key}" must be an integer ≥ ${min}; got ${JSON.stringify(v)}`);
  return v;
}

function finite(o: Obj, key: string, file: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(file, `"${key}" must be a finite number; got ${JSON.stringify(v)}`);
  return v;
}

/** A bare file name in the same folder: no separators, so a header can never point outside embeddings/. */
function fileName(o: Obj, key: string, file: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '' || /[\\/]/.test(v) || v === '.' || v === '..') {
    fail(file, `"${key}" must be a file name in the same folder; got ${JSON.stringify(v)}`);
  }
  return v;
}

function schema(o: Obj, file: string): 1 {
  if (o.schemaVersion !== EMBEDDING_SCHEMA_VERSION) {
    fail(file, `unsupported schemaVersion ${JSON.stringify(o.schemaVersion)}; this version reads ${EMBEDDING_SCHEMA_VERSION} (update DCL Explorer or re-create the file)`);
  }
  return 1;
}

function layer(o: Obj, file: string): EmbeddingLayer {
  if (!EMBEDDING_LAYERS.includes(o.layer as EmbeddingLayer)) fail(file, `"layer" must be one of ${EMBEDDING_LAYERS.join(', ')}; got ${JSON.stringify(o.layer)}`);
  return o.layer as EmbeddingLayer;
}

function classNames(o: Obj, file: string): string[] | undefined {
  if (o.classNames === undefined) return undefined;
  if (!Array.isArray(o.classNames) || !o.classNames.every((c) => typeof c === 'string')) fail(file, '"classNames" must be an array of strings');
  return o.classNames;
}

export function parseEmbeddingHeader(value: unknown, file: string): EmbeddingHeader {
  const o = obj(value, file);
  const header: EmbeddingHeader = {
    schemaVersion: schema(o, file),
    count: count(o, 'count', file, 1),
    dim: count(o, 'dim', file, 1),
    epoch: count(o, 'epoch', file),
    step: count(o, 'step', file),
    layer: layer(o, file),
    dataset: typeof o.dataset === 'string' ? o.dataset : fail(file, '"dataset" must be a string'),
    vectors: fileName(o, 'vectors', file),
    labels: fileName(o, 'labels', file),
    indices: fileName(o, 'indices', file),
  };
  const names = classNames(o, file);
  if (names) header.classNames = names;
  return header;
}

export function parseSampleImagesHeader(value: unknown, file: string): SampleImagesHeader {
  const o = obj(value, file);
  const header: SampleImagesHeader = {
    schemaVersion: schema(o, file),
    count: count(o, 'count', file, 1),
    height: count(o, 'height', file, 1),
    width: count(o, 'width', file, 1),
    channels: count(o, 'channels', file, 1),
    images: fileName(o, 'images', file),
    indices: Array.isArray(o.indices) ? (o.indices as number[]) : fail(file, '"indices" must be an array of integers'),
  };
  if (header.channels !== 1 && header.channels !== 3) fail(file, `"channels" must be 1 (grey) or 3 (RGB); got ${header.channels}`);
  if (header.indices.length !== header.count || !header.indices.every((i) => Number.isInteger(i) && i >= 0)) {
    fail(file, `"indices" must hold ${header.count} non-negative integers (one per image)`);
  }
  return header;
}

function metricOrNull(o: Obj, key: string, file: string): number | null {
  return o[key] === null ? null : finite(o, key, file);
}

export function parseProjectionHeader(value: unknown, file: string): ProjectionHeader {
  const o = obj(value, file);
  if (!PROJECTION_METHODS.includes(o.method as ProjectionMethod)) fail(file, `"method" must be one of ${PROJECTION_METHODS.join(', ')}`);
  const m = obj(o.metrics, `${file} (metrics)`);
  const header: ProjectionHeader = {
    schemaVersion: schema(o, file),
    key: typeof o.key === 'string' ? o.key : fail(file, '"key" must be a string'),
    method: o.method as ProjectionMethod,
    params: obj(o.params, `${file} (params)`),
    source: typeof o.source === 'string' ? o.source : fail(file, '"source" must be a string'),
    epoch: count(o, 'epoch', file),
    step: count(o, 'step', file),
    layer: layer(o, file),
    count: count(o, 'count', file, 1),
    coords: fileName(o, 'coords', file),
    metrics: {
      knnAccuracy: metricOrNull(m, 'knnAccuracy', file),
      knnK: count(m, 'knnK', file),
      knnQueries: count(m, 'knnQueries', file),
      silhouette: metricOrNull(m, 'silhouette', file),
      silhouette2d: metricOrNull(m, 'silhouette2d', file),
      silhouetteSample: count(m, 'silhouetteSample', file),
    },
    seconds: finite(o, 'seconds', file),
    createdAt: typeof o.createdAt === 'string' ? o.createdAt : fail(file, '"createdAt" must be a string'),
  };
  if (Array.isArray(o.explainedVariance)) header.explainedVariance = (o.explainedVariance as unknown[]).map(Number);
  return header;
}

// ---------------------------------------------------------------------------------------------------
// Binary decoding

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function checkSize(bytes: Uint8Array, expected: number, file: string, what: string): void {
  if (bytes.byteLength !== expected) {
    const hint = bytes.byteLength < expected ? 'the file is truncated (a write was interrupted?)' : 'the file is longer than its header says';
    throw new Error(`${file}: expected ${expected} bytes (${what}), found ${bytes.byteLength}; ${hint}. Re-create it (re-run the epoch or the command that wrote it) or delete it.`);
  }
}

/** Copies into a fresh, aligned buffer (Node's pooled Buffers may start at any byte offset) and swaps on big-endian hosts. */
function aligned4(bytes: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < out.length; i += 4) {
      const a = out[i], b = out[i + 1];
      out[i] = out[i + 3];
      out[i + 1] = out[i + 2];
      out[i + 2] = b;
      out[i + 3] = a;
    }
  }
  return out.buffer;
}

export function decodeFloat32(bytes: Uint8Array, expectedValues: number, file: string, what: string): Float32Array {
  checkSize(bytes, expectedValues * 4, file, what);
  return new Float32Array(aligned4(bytes));
}

export function decodeInt32(bytes: Uint8Array, expectedValues: number, file: string, what: string): Int32Array {
  checkSize(bytes, expectedValues * 4, file, what);
  return new Int32Array(aligned4(bytes));
}

export function decodeUint8(bytes: Uint8Array, expected: number, file: string, what: string): Uint8Array {
  checkSize(bytes, expected, file, what);
  // A plain Uint8Array view, never a Node Buffer: VS Code's webview messaging serialises a Buffer as
  // {type: 'Buffer', data: [...]}, which the webview cannot draw.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Little-endian bytes of a typed array, whatever the host's byte order. */
export function encodeLittleEndian(values: Float32Array | Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (!LITTLE_ENDIAN) return new Uint8Array(aligned4(bytes));
  return bytes;
}
