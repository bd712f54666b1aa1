/**
 * Canvas 2D fallback for browsers without WebGL: points are batched by colour (one path and one fill per
 * class), squares when there are many (cheap) and discs when there are few. Slower than WebGL but still
 * interactive with tens of thousands of points.
 */
import type { DrawParams, Highlight, PointRenderer } from './types';

/** Above this many visible points squares replace discs. */
const DISC_LIMIT = 8000;

export class Canvas2dRenderer implements PointRenderer {
  readonly kind = 'canvas2d';
  private coords: Float32Array = new Float32Array(0);
  private count = 0;
  private groups: { css: string; alpha: number; points: Int32Array }[] = [];
  private highlights: Highlight[] = [];

  static create(canvas: HTMLCanvasElement): Canvas2dRenderer | null {
    const ctx = canvas.getContext('2d', { alpha: false });
    return ctx ? new Canvas2dRenderer(canvas, ctx) : null;
  }

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly ctx: CanvasRenderingContext2D,
  ) {}

  setPoints(coords: Float32Array, colors: Uint8Array, count: number): void {
    this.coords = coords;
    this.count = count;
    this.setColors(colors);
  }

  setColors(colors: Uint8Array): void {
    const byColor = new Map<number, number[]>();
    for (let i = 0; i < this.count; i++) {
      if (colors[4 * i + 3] === 0) continue;
      const key = ((colors[4 * i] << 24) | (colors[4 * i + 1] << 16) | (colors[4 * i + 2] << 8) | colors[4 * i + 3]) >>> 0;
      let list = byColor.get(key);
      if (!list) byColor.set(key, (list = []));
      list.push(i);
    }
    this.groups = [...byColor].map(([key, points]) => ({
      css: `rgb(${key >>> 24}, ${(key >>> 16) & 255}, ${(key >>> 8) & 255})`,
      alpha: (key & 255) / 255,
      points: Int32Array.from(points),
    }));
  }

  setHighlights(highlights: Highlight[]): void {
    this.highlights = highlights;
  }

  draw(p: DrawParams): void {
    const { ctx, canvas } = this;
    const cam = p.camera;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = `rgb(${p.background.join(', ')})`;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
    const r = p.pointSize / 2;
    const visible = this.groups.reduce((s, g) => s + g.points.length, 0);
    const discs = visible <= DISC_LIMIT;
    const { coords } = this;
    const hw = cam.width / 2, hh = cam.height / 2, z = cam.zoom;
    for (const g of this.groups) {
      ctx.fillStyle = g.css;
      ctx.globalAlpha = g.alpha;
      ctx.beginPath();
      for (const i of g.points) {
        const sx = (coords[2 * i] - cam.cx) * z + hw;
        const sy = hh - (coords[2 * i + 1] - cam.cy) * z;
        if (sx < -r || sy < -r || sx > cam.width + r || sy > cam.height + r) continue;
        if (discs) {
          ctx.moveTo(sx + r, sy);
          ctx.arc(sx, sy, r, 0, 2 * Math.PI);
        } else ctx.rect(sx - r, sy - r, 2 * r, 2 * r);
      }
      ctx.fill();
    }
    for (const h of this.highlights) {
      const [sx, sy] = cam.toScreen(coords[2 * h.index], coords[2 * h.index + 1]);
      ctx.globalAlpha = h.rgba[3] / 255;
      const css = `rgb(${h.rgba[0]}, ${h.rgba[1]}, ${h.rgba[2]})`;
      ctx.beginPath();
      if (h.ring) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = css;
        ctx.arc(sx, sy, h.size / 2 - 1, 0, 2 * Math.PI);
        ctx.stroke();
      } else {
        ctx.fillStyle = css;
        ctx.arc(sx, sy, h.size / 2, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
  }

  dispose(): void {
    this.groups = [];
  }
}
