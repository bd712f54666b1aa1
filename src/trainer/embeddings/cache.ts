/**
 * Cached projections in `<runDir>/embeddings/`: `proj-<key>.json` (ProjectionHeader) + `proj-<key>.f32`
 * (n × 2 coordinates). The key hashes the snapshot's identity (header path, step, shape, and the vectors
 * file's size and modification time, so a rewritten snapshot never reuses a stale picture) with the method
 * and its full parameter set, defaults filled in.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkParams, DEFAULT_PARAMS, PROJECTION_HEADER_RE, decodeFloat32, encodeLittleEndian, parseProjectionHeader, type EmbeddingEntry, type ProjectionHeader, type ProjectionMethod, type ProjectionParams } from '../../shared/embeddingFiles';
import { embeddingsDir, writeFileAtomic } from './format';

/** Cached projections kept per run; the least recently used go first. */
export const MAX_CACHED_PROJECTIONS = 24;

export interface SnapshotIdentity {
  source: string;
  step: number;
  count: number;
  dim: number;
  vectorsBytes: number;
  vectorsMtimeMs: number;
}

export function snapshotIdentity(runDir: string, entry: EmbeddingEntry): SnapshotIdentity {
  const file = path.join(embeddingsDir(runDir), entry.vectors);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the snapshot is incomplete or was pruned`);
  }
  return { source: entry.path, step: entry.step, count: entry.count, dim: entry.dim, vectorsBytes: st.size, vectorsMtimeMs: Math.round(st.mtimeMs) };
}

/** Fills in defaults and rejects unknown or non-numeric parameters. */
export function normalizeParams(method: ProjectionMethod, given: Record<string, number>): ProjectionParams {
  const merged = { ...DEFAULT_PARAMS[method], ...given };
  const bad = checkParams(method, merged);
  if (bad) throw new Error(bad);
  return merged;
}

/** JSON with object keys sorted at every level: equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function projectionKey(id: SnapshotIdentity, method: ProjectionMethod, params: ProjectionParams): string {
  return createHash('sha256').update(canonicalJson({ v: 1, id, method, params })).digest('hex').slice(0, 16);
}

export function projectionPaths(runDir: string, key: string): { header: string; coords: string } {
  const dir = embeddingsDir(runDir);
  return { header: path.join(dir, `proj-${key}.json`), coords: path.join(dir, `proj-${key}.f32`) };
}

/** The cached projection for `key`, or null when absent or unreadable (it is then recomputed). */
export function readCachedProjection(runDir: string, key: string): { header: ProjectionHeader; coords: Float32Array; path: string } | null {
  const p = projectionPaths(runDir, key);
  if (!fs.existsSync(p.header)) return null;
  try {
    const loaded = readProjection(p.header);
    if (loaded.header.key !== key) return null;
    // Mark as recently used for the least-recently-used pruning.
    const now = new Date();
    fs.utimesSync(p.header, now, now);
    return { ...loaded, path: p.header };
  } catch {
    return null;
  }
}

export function readProjection(headerPath: string): { header: ProjectionHeader; coords: Float32Array } {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(headerPath, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read projection ${headerPath}: ${(e as Error).message}`);
  }
  const header = parseProjectionHeader(value, headerPath);
  const file = path.join(path.dirname(headerPath), header.coords);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { header, coords: decodeFloat32(bytes, header.count * 2, file, `count ${header.count} × 2 × 4`) };
}

export function writeProjection(runDir: string, header: ProjectionHeader, coords: Float32Array): string {
  if (coords.length !== header.count * 2) throw new Error(`writeProjection: ${coords.length} coordinates for ${header.count} points × 2`);
  const p = projectionPaths(runDir, header.key);
  if (header.coords !== path.basename(p.coords)) throw new Error(`writeProjection: header.coords must be ${path.basename(p.coords)}`);
  writeFileAtomic(p.coords, encodeLittleEndian(coords));
  writeFileAtomic(p.header, JSON.stringify(header, null, 1) + '\n');
  pruneProjectionCache(runDir, MAX_CACHED_PROJECTIONS);
  return p.header;
}

/** Keeps the `keep` most recently used cached projections. */
export function pruneProjectionCache(runDir: string, keep: number): void {
  const dir = embeddingsDir(runDir);
  const entries = fs
    .readdirSync(dir)
    .filter((name) => PROJECTION_HEADER_RE.test(name))
    .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name } of entries.slice(keep)) {
    fs.rmSync(path.join(dir, name), { force: true });
    fs.rmSync(path.join(dir, name.replace(/\.json$/, '.f32')), { force: true });
  }
}
