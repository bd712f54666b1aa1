/** What a scatter renderer does; WebGL is preferred, Canvas 2D is the fallback where WebGL is unavailable. */
import type { Camera } from '../camera';

export type RendererKind = 'webgl' | 'canvas2d';

/** A point drawn on top of the others: the hovered one, the selection, its neighbours, a linked hover. */
export interface Highlight {
  index: number;
  rgba: [number, number, number, number];
  /** Diameter in CSS pixels. */
  size: number;
  /** A ring (outline) instead of a filled disc. */
  ring: boolean;
}

export interface DrawParams {
  camera: Camera;
  /** Diameter in CSS pixels. */
  pointSize: number;
  background: [number, number, number];
  dpr: number;
}

export interface PointRenderer {
  readonly kind: RendererKind;
  /** coords: count × 2 data units; colors: count × RGBA bytes (alpha 0 = hidden). */
  setPoints(coords: Float32Array, colors: Uint8Array, count: number): void;
  setColors(colors: Uint8Array): void;
  setHighlights(highlights: Highlight[]): void;
  draw(params: DrawParams): void;
  dispose(): void;
}
