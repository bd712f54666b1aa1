/**
 * Embedding snapshots in `<runDir>/embeddings/`: writer (called by the trainer each epoch), reader, listing.
 *
 * Plain Node (no tfjs) so the CLI's `project` / `export-embeddings` stay cheap to start. Every file is
 * written to a temporary name and renamed, binaries before the header, so a reader that finds a header
 * always finds complete data beside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMBEDDING_HEADER_RE, EMBEDDING_LAYERS, SAMPLE_IMAGES_HEADER, decodeFloat32, decodeInt32, decodeUint8, embeddingBaseName, encodeLittleEndian, parseEmbeddingHeader, parseSampleImagesHeader, EMBEDDING_SCHEMA_VERSION, type EmbeddingEntry, type EmbeddingHeader, type EmbeddingLayer, type SampleImagesHeader } from '../../shared/embeddingFiles';
import { RUN_FILES } from '../../shared/protocol';
import { writeFileAtomic } from '../../runFolder/atomicWrite';

export type { EmbeddingEntry, EmbeddingHeader, EmbeddingLayer, SampleImagesHeader };

export interface EmbeddingSnapshot {
  epoch: number;
  step: number;
  layer: EmbeddingLayer;
  dataset: string;
  /** count × dim, row-major. */
  vectors: Float32Array;
  dim: number;
  /** Class label per row. */
  labels: Int32Array;
  /** Index of each row in the test split (ties a point to its image). */
  indices: Int32Array;
  classNames?: string[];
}

export interface LoadedEmbedding {
  header: EmbeddingHeader;
  vectors: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

export function embeddingsDir(runDir: string): string {
  return path.join(runDir, RUN_FILES.embeddings);
}

// Snapshot files are replaced the one atomic way (project.ts and cache.ts take it from here).
export { writeFileAtomic };

function checkSnapshot(e: EmbeddingSnapshot): void {
  const where = `writeEmbedding(epoch ${e.epoch}, ${e.layer})`;
  if (!Number.isInteger(e.epoch) || e.epoch < 0) throw new Error(`${where}: epoch must be an integer ≥ 0; got ${e.epoch}`);
  if (!Number.isInteger(e.step) || e.step < 0) throw new Error(`${where}: step must be an integer ≥ 0; got ${e.step}`);
  if (!EMBEDDING_LAYERS.includes(e.layer)) throw new Error(`${where}: layer must be one of ${EMBEDDING_LAYERS.join(', ')}`);
  if (!Number.isInteger(e.dim) || e.dim < 1) throw new Error(`${where}: dim must be an integer ≥ 1; got ${e.dim}`);
  const count = e.labels.length;
  if (count < 1) throw new Error(`${where}: no rows (labels is empty)`);
  if (e.vectors.length !== count * e.dim) {
    throw new Error(`${where}: vectors has ${e.vectors.length} values but labels says ${count} rows × dim ${e.dim} = ${count * e.dim}`);
  }
  if (e.indices.length !== count) throw new Error(`${where}: indices has ${e.indices.length} entries, labels has ${count}; one index per row`);
}

/**
 * Writes one snapshot and prunes older epochs of the same layer beyond `keepLast` (0 keeps all).
 * Returns the header path relative to the run folder (what an `embedding` event carries).
 */
export function writeEmbedding(runDir: string, e: EmbeddingSnapshot, keepLast = 3): string {
  checkSnapshot(e);
  if (!Number.isInteger(keepLast) || keepLast < 0) throw new Error(`writeEmbedding: keepLast must be an integer ≥ 0 (0 keeps all); got ${keepLast}`);
  const dir = embeddingsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const base = embeddingBaseName(e.epoch, e.layer);
  const header: EmbeddingHeader = {
    schemaVersion: EMBEDDING_SCHEMA_VERSION,
    count: e.labels.length,
    dim: e.dim,
    epoch: e.epoch,
    step: e.step,
    layer: e.layer,
    dataset: e.dataset,
    vectors: `${base}.f32`,
    labels: `${base}-labels.i32`,
    indices: `${base}-indices.i32`,
  };
  if (e.classNames) header.classNames = e.classNames;
  writeFileAtomic(path.join(dir, header.vectors), encodeLittleEndian(e.vectors));
  writeFileAtomic(path.join(dir, header.labels), encodeLittleEndian(e.labels));
  writeFileAtomic(path.join(dir, header.indices), encodeLittleEndian(e.indices));
  writeFileAtomic(path.join(dir, `${base}.json`), JSON.stringify(header, null, 1) + '\n');
  if (keepLast > 0) pruneEmbeddings(runDir, e.layer, keepLast);
  return `${RUN_FILES.embeddings}/${base}.json`;
}

/** Deletes all but the newest `keepLast` epochs of `layer`, and cached projections and metrics made from them. */
export function pruneEmbeddings(runDir: string, layer: EmbeddingLayer, keepLast: number): string[] {
  const dir = embeddingsDir(runDir);
  const entries = listEmbeddings(runDir).filter((h) => h.layer === layer);
  const doomed = entries.slice(0, Math.max(0, entries.length - keepLast));
  const removed: string[] = [];
  for (const h of doomed) {
    // Header first: once it is gone no reader will look for the binaries.
    for (const name of [path.basename(h.path), h.vectors, h.labels, h.indices]) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
    removed.push(h.path);
  }
  if (removed.length) removeProjectionsOf(dir, new Set(removed));
  return removed;
}

/** Derived caches (projections, cluster metrics) that name their source snapshot in a `source` field. */
const DERIVED_CACHE_RE = /^(proj|metrics)-[0-9a-f]{16}\.json$/;

function removeProjectionsOf(dir: string, sources: Set<string>): void {
  for (const name of fs.readdirSync(dir)) {
    if (!DERIVED_CACHE_RE.test(name)) continue;
    try {
      const value = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { source?: unknown; coords?: unknown };
      if (typeof value.source === 'string' && sources.has(value.source)) {
        fs.rmSync(path.join(dir, name), { force: true });
        if (typeof value.coords === 'string' && !/[\\/]/.test(value.coords)) fs.rmSync(path.join(dir, value.coords), { force: true });
      }
    } catch {
      // An unreadable cache entry is left alone; the projection command rewrites or ignores it.
    }
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the snapshot is incomplete or was pruned`);
  }
}

export function readEmbeddingHeader(headerPath: string): EmbeddingHeader {
  return parseEmbeddingHeader(readJson(headerPath), headerPath);
}

/**
 * Refuses a snapshot with a NaN or ±Infinity coordinate (training diverged), naming its file and epoch: `project` and
 * `export-embeddings` both call this, so neither passes on vectors the other refuses.
 */
export function checkFiniteVectors(emb: LoadedEmbedding, headerPath: string): void {
  const { vectors, header } = emb;
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) {
      const file = path.join(path.dirname(headerPath), header.vectors);
      throw new Error(`${file}: row ${Math.floor(i / header.dim)} has a non-finite value (${vectors[i]}); training diverged by epoch ${header.epoch}. Use an earlier epoch (--epoch).`);
    }
  }
}

/** Reads and validates a snapshot; sizes must match the header exactly. */
export function readEmbedding(headerPath: string): LoadedEmbedding {
  const header = readEmbeddingHeader(headerPath);
  const dir = path.dirname(headerPath);
  const f = (name: string) => path.join(dir, name);
  const rows = `count ${header.count}`;
  return {
    header,
    vectors: decodeFloat32(readBytes(f(header.vectors)), header.count * header.dim, f(header.vectors), `${rows} × dim ${header.dim} × 4`),
    labels: decodeInt32(readBytes(f(header.labels)), header.count, f(header.labels), `${rows} × 4`),
    indices: decodeInt32(readBytes(f(header.indices)), header.count, f(header.indices), `${rows} × 4`),
  };
}

/** Every readable snapshot header, sorted by layer then epoch. Unreadable headers are skipped (reported via `problems`). */
export function listEmbeddings(runDir: string, problems: string[] = []): EmbeddingEntry[] {
  const dir = embeddingsDir(runDir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: EmbeddingEntry[] = [];
  for (const name of names) {
    if (!EMBEDDING_HEADER_RE.test(name)) continue;
    try {
      out.push({ ...readEmbeddingHeader(path.join(dir, name)), path: `${RUN_FILES.embeddings}/${name}` });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return out.sort((a, b) => (a.layer === b.layer ? a.epoch - b.epoch : a.layer < b.layer ? -1 : 1));
}

/** The snapshot for (epoch, layer); epoch undefined = the newest. Throws naming what is available. */
export function findEmbedding(runDir: string, layer: EmbeddingLayer, epoch?: number): EmbeddingEntry {
  const all = listEmbeddings(runDir);
  const ofLayer = all.filter((h) => h.layer === layer);
  const hit = epoch === undefined ? ofLayer[ofLayer.length - 1] : ofLayer.find((h) => h.epoch === epoch);
  if (hit) return hit;
  const have = all.map((h) => `epoch ${h.epoch} ${h.layer}`).join(', ');
  const what = epoch === undefined ? `${layer} snapshot` : `epoch ${epoch} (${layer})`;
  throw new Error(
    `${embeddingsDir(runDir)} has no ${what}; ${have ? `available: ${have}` : 'the run has written no embeddings yet (they appear after each epoch)'}`,
  );
}

/**
 * Thumbnails shown on hover: uint8 HWC images for (some of) the test split, written once per run.
 * `indices[i]` is the test-split index of image i.
 */
export function writeSampleImages(
  runDir: string,
  images: Uint8Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  indices: Int32Array,
): void {
  const where = 'writeSampleImages';
  for (const [k, v] of Object.entries({ count, height, width, channels })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${k} must be an integer ≥ 1; got ${v}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`${where}: channels must be 1 (grey) or 3 (RGB); got ${channels}`);
  if (images.length !== count * height * width * channels) {
    throw new Error(`${where}: images has ${images.length} bytes, expected count ${count} × ${height} × ${width} × ${channels} = ${count * height * width * channels}`);
  }
  if (indices.length !== count) throw new Error(`${where}: indices has ${indices.length} entries; expected one per image (${count})`);
  const dir = embeddingsDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const header: SampleImagesHeader = { schemaVersion: EMBEDDING_SCHEMA_VERSION, count, height, width, channels, images: 'sample-images.u8', indices: Array.from(indices) };
  writeFileAtomic(path.join(dir, header.images), images);
  writeFileAtomic(path.join(dir, SAMPLE_IMAGES_HEADER), JSON.stringify(header) + '\n');
}

export function readSampleImages(runDir: string): { header: SampleImagesHeader; images: Uint8Array } | null {
  const file = path.join(embeddingsDir(runDir), SAMPLE_IMAGES_HEADER);
  if (!fs.existsSync(file)) return null;
  const header = parseSampleImagesHeader(readJson(file), file);
  const bin = path.join(path.dirname(file), header.images);
  const size = header.count * header.height * header.width * header.channels;
  return { header, images: decodeUint8(readBytes(bin), size, bin, `count ${header.count} × ${header.height} × ${header.width} × ${header.channels}`) };
}
