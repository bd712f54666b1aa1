/**
 * Messages between the extension host and the embedding-projection webview, and the state the webview keeps
 * across reloads. Point data travels as typed arrays (VS Code transfers them without JSON). The files they
 * are read from are described in embeddingFiles.ts.
 */
import { checkParams, EMBEDDING_LAYERS, PROJECTION_METHODS, type EmbeddingLayer, type ProjectionHeader, type ProjectionMethod, type ProjectionParams, type ProjectionParamsByMethod } from './embeddingFiles';

/** What one view (one run) offers: its embedding snapshots, newest last. */
export interface ViewCatalog {
  slot: number;
  runDir: string;
  /** Short name for the header: config name or the folder name. */
  runName: string;
  /** Loss and temperature etc. as a one-line description, when config.json is readable. */
  description: string;
  snapshots: { epoch: number; step: number; layer: EmbeddingLayer; count: number; dim: number; dataset: string }[];
  hasImages: boolean;
}

export interface ProjectionPayload {
  type: 'projection';
  slot: number;
  /** Echo of the request id, so a late answer to an older selection is ignored. */
  requestId: number;
  header: ProjectionHeader;
  dataset: string;
  dim: number;
  classNames: string[];
  coords: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
  /** True when the projection came from the cache in the run folder. */
  cached: boolean;
}

export type HostToProjection =
  | { type: 'catalog'; views: ViewCatalog[] }
  | ProjectionPayload
  | { type: 'busy'; slot: number; requestId: number; text: string; progress: number | null }
  | { type: 'error'; slot: number; requestId: number; message: string }
  | { type: 'neighbours'; slot: number; point: number; neighbours: Int32Array; similarities: Float32Array }
  | { type: 'thumbnail'; slot: number; point: number; height: number; width: number; channels: number; pixels: Uint8Array | null };

export interface Selection {
  epoch: number;
  layer: EmbeddingLayer;
  method: ProjectionMethod;
  params: ProjectionParams;
}

export type ProjectionToHost =
  | { type: 'ready' }
  | ({ type: 'select'; slot: number; requestId: number } & Selection)
  | { type: 'neighbours'; slot: number; point: number; k: number }
  | { type: 'thumbnail'; slot: number; point: number }
  | { type: 'compare' }
  | { type: 'closeCompare'; slot: number }
  | { type: 'export'; slot: number; epoch: number; layer: EmbeddingLayer };

type Obj = Record<string, unknown>;
const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Messages from the webview are checked before use: a malformed one is dropped with a reason. */
export function parseProjectionToHost(value: unknown): ProjectionToHost | string {
  if (typeof value !== 'object' || value === null) return 'message is not an object';
  const m = value as Obj;
  switch (m.type) {
    case 'ready':
    case 'compare':
      return { type: m.type };
    case 'select': {
      if (!int(m.slot) || !int(m.requestId) || !int(m.epoch)) return 'select needs integer slot, requestId and epoch';
      if (!EMBEDDING_LAYERS.includes(m.layer as EmbeddingLayer)) return `select: unknown layer ${String(m.layer)}`;
      if (!PROJECTION_METHODS.includes(m.method as ProjectionMethod)) return `select: unknown method ${String(m.method)}`;
      const bad = checkParams(m.method as ProjectionMethod, m.params);
      if (bad) return `select: ${bad}`;
      return { type: 'select', slot: m.slot, requestId: m.requestId, epoch: m.epoch, layer: m.layer as EmbeddingLayer, method: m.method as ProjectionMethod, params: m.params as ProjectionParams };
    }
    case 'neighbours':
      if (!int(m.slot) || !int(m.point) || !int(m.k) || m.k < 1) return 'neighbours needs integer slot, point and k ≥ 1';
      return { type: 'neighbours', slot: m.slot, point: m.point, k: m.k };
    case 'thumbnail':
      if (!int(m.slot) || !int(m.point)) return 'thumbnail needs integer slot and point';
      return { type: 'thumbnail', slot: m.slot, point: m.point };
    case 'closeCompare':
      if (!int(m.slot)) return 'closeCompare needs an integer slot';
      return { type: 'closeCompare', slot: m.slot };
    case 'export':
      if (!int(m.slot) || !int(m.epoch) || !EMBEDDING_LAYERS.includes(m.layer as EmbeddingLayer)) return 'export needs slot, epoch and layer';
      return { type: 'export', slot: m.slot, epoch: m.epoch, layer: m.layer as EmbeddingLayer };
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

/** What the webview keeps in getState/setState so a reload (or the panel serializer) restores the view. */
export interface ProjectionWebviewState {
  runs: string[];
  method: ProjectionMethod;
  params: { [M in ProjectionMethod]: ProjectionParamsByMethod[M] };
  /** Per slot: chosen epoch (null = follow the newest) and layer. */
  views: { epoch: number | null; layer: EmbeddingLayer }[];
  hiddenClasses: number[];
  /** 'auto' tries WebGL and falls back to Canvas 2D. */
  renderer: 'auto' | 'webgl' | 'canvas2d';
  /** Multiplies the automatic point size. */
  pointScale: number;
}
