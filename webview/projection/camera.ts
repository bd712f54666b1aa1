/**
 * Pan/zoom state of one scatter view. Data y points up; screen y points down. `zoom` is CSS pixels per data
 * unit, identical on both axes so distances in the picture keep their meaning.
 */

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export const MIN_ZOOM_FACTOR = 0.2;
export const MAX_ZOOM_FACTOR = 2000;

export function boundsOf(coords: Float32Array, count: number): Bounds {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = coords[2 * i], y = coords[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!Number.isFinite(minX)) return { minX: -1, minY: -1, maxX: 1, maxY: 1 };
  return { minX, minY, maxX, maxY };
}

export class Camera {
  cx = 0;
  cy = 0;
  zoom = 1;
  width = 1;
  height = 1;
  /** The zoom that fits the data; zooming is limited relative to it. */
  fitZoom = 1;

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
  }

  fit(b: Bounds, padding = 0.06): void {
    const w = Math.max(b.maxX - b.minX, 1e-9);
    const h = Math.max(b.maxY - b.minY, 1e-9);
    this.cx = (b.minX + b.maxX) / 2;
    this.cy = (b.minY + b.maxY) / 2;
    this.zoom = Math.min(this.width / w, this.height / h) * (1 - 2 * padding);
    this.fitZoom = this.zoom;
  }

  toScreen(x: number, y: number): [number, number] {
    return [(x - this.cx) * this.zoom + this.width / 2, this.height / 2 - (y - this.cy) * this.zoom];
  }

  toData(sx: number, sy: number): [number, number] {
    return [(sx - this.width / 2) / this.zoom + this.cx, (this.height / 2 - sy) / this.zoom + this.cy];
  }

  panBy(dxPx: number, dyPx: number): void {
    this.cx -= dxPx / this.zoom;
    this.cy += dyPx / this.zoom;
  }

  /** Zooms by `factor` keeping the data point under (sx, sy) in place. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const [x, y] = this.toData(sx, sy);
    const next = Math.min(this.fitZoom * MAX_ZOOM_FACTOR, Math.max(this.fitZoom * MIN_ZOOM_FACTOR, this.zoom * factor));
    this.zoom = next;
    const [x2, y2] = this.toData(sx, sy);
    this.cx += x - x2;
    this.cy += y - y2;
  }

  /** clip = data · scale + offset (WebGL clip space, y up). */
  clipTransform(): { scaleX: number; scaleY: number; offsetX: number; offsetY: number } {
    const scaleX = (2 * this.zoom) / this.width;
    const scaleY = (2 * this.zoom) / this.height;
    return { scaleX, scaleY, offsetX: -this.cx * scaleX, offsetY: -this.cy * scaleY };
  }
}
