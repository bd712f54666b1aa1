/**
 * Hover/click picking in data space: a uniform grid (≈ 4 points per cell) stored as CSR arrays, so finding
 * the point under the cursor touches a handful of cells instead of all 60 000 points.
 */
import { boundsOf, type Bounds } from './camera';

export class PickGrid {
  private readonly bounds: Bounds;
  private readonly cols: number;
  private readonly rows: number;
  private readonly cellW: number;
  private readonly cellH: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(private readonly coords: Float32Array, readonly count: number) {
    this.bounds = boundsOf(coords, count);
    const side = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(count / 4))));
    const w = Math.max(this.bounds.maxX - this.bounds.minX, 1e-9);
    const h = Math.max(this.bounds.maxY - this.bounds.minY, 1e-9);
    // Square-ish cells: more columns for wide layouts.
    this.cols = Math.max(1, Math.round(side * Math.sqrt(w / h)));
    this.rows = Math.max(1, Math.round(side * Math.sqrt(h / w)));
    this.cellW = w / this.cols;
    this.cellH = h / this.rows;
    const cellOf = new Int32Array(count);
    const counts = new Int32Array(this.cols * this.rows + 1);
    for (let i = 0; i < count; i++) {
      const c = this.cell(coords[2 * i], coords[2 * i + 1]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 0; c < this.cols * this.rows; c++) counts[c + 1] += counts[c];
    this.start = counts;
    this.items = new Int32Array(count);
    const cursor = counts.slice(0, this.cols * this.rows);
    for (let i = 0; i < count; i++) this.items[cursor[cellOf[i]]++] = i;
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.bounds.minX) / this.cellW)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.bounds.minY) / this.cellH)));
  }

  private cell(x: number, y: number): number {
    return this.row(y) * this.cols + this.col(x);
  }

  /** The accepted point nearest (x, y) within `radius` (data units), or -1. */
  nearest(x: number, y: number, radius: number, accept: (i: number) => boolean): number {
    if (x + radius < this.bounds.minX || x - radius > this.bounds.maxX || y + radius < this.bounds.minY || y - radius > this.bounds.maxY) return -1;
    const c0 = this.col(x - radius), c1 = this.col(x + radius);
    const r0 = this.row(y - radius), r1 = this.row(y + radius);
    let best = -1;
    let bestD2 = radius * radius;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let p = this.start[cell]; p < this.start[cell + 1]; p++) {
          const i = this.items[p];
          const dx = this.coords[2 * i] - x, dy = this.coords[2 * i + 1] - y;
          const d2 = dx * dx + dy * dy;
          // Ties go to the later point: it is drawn on top.
          if (d2 <= bestD2 && accept(i)) {
            best = i;
            bestD2 = d2;
          }
        }
      }
    }
    return best;
  }
}
