/**
 * One scatter plot: canvas + renderer + camera + picking. Drag pans, the wheel zooms around the cursor,
 * double-click (or 0) fits, hover reports the point under the cursor, click selects it. Drawing happens at
 * most once per animation frame and only when something changed.
 */
import { el } from '../common/dom';
import { boundsOf, Camera } from './camera';
import { classColor } from './palette';
import { PickGrid } from './pickGrid';
import { createRenderer } from './render/index';
import type { Highlight, PointRenderer, RendererKind } from './render/types';

export interface ScatterData {
  coords: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface ScatterEvents {
  hover(point: number, clientX: number, clientY: number): void;
  click(point: number): void;
}

export interface ScatterStyle {
  background: [number, number, number];
  foreground: [number, number, number];
  /** Multiplies the automatic point size. */
  sizeScale: number;
}

/** Hover picks within this many CSS pixels of a point's centre (at least its radius). */
const PICK_RADIUS_PX = 6;

export function autoPointSize(count: number): number {
  return Math.min(7, Math.max(2.5, 10 - 1.6 * Math.log10(Math.max(1, count))));
}

export class ScatterView {
  readonly element: HTMLElement;
  private canvas: HTMLCanvasElement;
  private renderer: PointRenderer;
  readonly camera = new Camera();
  private data: ScatterData | null = null;
  private colors = new Uint8Array(0);
  private grid: PickGrid | null = null;
  private hidden = new Set<number>();
  private highlights: Highlight[] = [];
  private style: ScatterStyle = { background: [30, 30, 30], foreground: [220, 220, 220], sizeScale: 1 };
  private frame = 0;
  private dpr = 1;
  private drag: { x: number; y: number; moved: boolean; id: number } | null = null;
  private readonly resizeObserver: ResizeObserver;
  /** Time of the last draw in ms (for the frame-time benchmark). */
  lastDrawMs = 0;

  constructor(
    private readonly events: ScatterEvents,
    preference: 'auto' | 'webgl' | 'canvas2d',
  ) {
    const canvas = el('canvas', { class: 'scatter-canvas', attrs: { tabindex: '0', 'aria-label': 'Embedding scatter plot. Drag to pan, wheel to zoom, 0 to fit.' } });
    this.element = el('div', { class: 'scatter' }, canvas);
    const made = createRenderer(canvas, preference, () => this.requestDraw());
    this.renderer = made.renderer;
    this.canvas = made.canvas;
    this.bindEvents();
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.element);
  }

  get rendererKind(): RendererKind {
    return this.renderer.kind;
  }

  get pointCount(): number {
    return this.data?.count ?? 0;
  }

  setStyle(style: ScatterStyle): void {
    this.style = style;
    this.requestDraw();
  }

  setData(data: ScatterData, hidden: Set<number>): void {
    this.data = data;
    this.hidden = hidden;
    this.grid = new PickGrid(data.coords, data.count);
    this.colors = new Uint8Array(4 * data.count);
    this.fillColors();
    this.renderer.setPoints(data.coords, this.colors, data.count);
    this.highlights = [];
    this.renderer.setHighlights([]);
    this.fit();
  }

  setHidden(hidden: Set<number>): void {
    this.hidden = hidden;
    if (!this.data) return;
    this.fillColors();
    this.renderer.setColors(this.colors);
    this.requestDraw();
  }

  /** Dense clouds get translucent points so overlaps read as density. */
  private fillColors(): void {
    const d = this.data;
    if (!d) return;
    const alpha = d.count > 20000 ? 150 : d.count > 5000 ? 190 : 230;
    for (let i = 0; i < d.count; i++) {
      const label = d.labels[i];
      const [r, g, b] = classColor(label);
      this.colors[4 * i] = r;
      this.colors[4 * i + 1] = g;
      this.colors[4 * i + 2] = b;
      this.colors[4 * i + 3] = this.hidden.has(label) ? 0 : alpha;
    }
  }

  isVisible(point: number): boolean {
    return !!this.data && point >= 0 && point < this.data.count && !this.hidden.has(this.data.labels[point]);
  }

  setHighlights(highlights: Highlight[]): void {
    this.highlights = highlights.filter((h) => this.data && h.index >= 0 && h.index < this.data.count);
    this.renderer.setHighlights(this.highlights);
    this.requestDraw();
  }

  fit(): void {
    if (!this.data) return;
    this.camera.fit(boundsOf(this.data.coords, this.data.count));
    this.requestDraw();
  }

  /** Point diameter in CSS pixels: automatic for the count, growing gently when zoomed in. */
  pointSize(): number {
    const grow = Math.min(3, Math.max(1, Math.sqrt(this.camera.zoom / this.camera.fitZoom)));
    return autoPointSize(this.pointCount) * this.style.sizeScale * grow;
  }

  /** The canvas position (CSS pixels, relative to the canvas) of a point, e.g. to place a tooltip. */
  screenOf(point: number): [number, number] | null {
    if (!this.data || point < 0 || point >= this.data.count) return null;
    return this.camera.toScreen(this.data.coords[2 * point], this.data.coords[2 * point + 1]);
  }

  canvasRect(): DOMRect {
    return this.canvas.getBoundingClientRect();
  }

  private resize(): void {
    const rect = this.element.getBoundingClientRect();
    const w = Math.max(1, Math.floor(rect.width));
    const h = Math.max(1, Math.floor(rect.height));
    this.dpr = window.devicePixelRatio || 1;
    const pw = Math.round(w * this.dpr), ph = Math.round(h * this.dpr);
    if (this.canvas.width !== pw || this.canvas.height !== ph) {
      this.canvas.width = pw;
      this.canvas.height = ph;
    }
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    const first = this.camera.width <= 1;
    // A resize keeps the centre and the zoom relative to the fit.
    const { cx, cy } = this.camera;
    const ratio = this.camera.zoom / this.camera.fitZoom;
    this.camera.resize(w, h);
    if (this.data) {
      this.camera.fit(boundsOf(this.data.coords, this.data.count));
      if (!first) {
        this.camera.zoom *= ratio;
        this.camera.cx = cx;
        this.camera.cy = cy;
      }
    }
    this.drawNow();
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  drawNow(): void {
    const t0 = performance.now();
    this.renderer.draw({ camera: this.camera, pointSize: this.pointSize(), background: this.style.background, dpr: this.dpr });
    this.lastDrawMs = performance.now() - t0;
  }

  /** The visible point under a client position, or -1. */
  pick(clientX: number, clientY: number): number {
    if (!this.grid || !this.data) return -1;
    const rect = this.canvas.getBoundingClientRect();
    const sx = clientX - rect.left, sy = clientY - rect.top;
    const [x, y] = this.camera.toData(sx, sy);
    const radius = Math.max(PICK_RADIUS_PX, this.pointSize() / 2) / this.camera.zoom;
    return this.grid.nearest(x, y, radius, (i) => this.isVisible(i));
  }

  private bindEvents(): void {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      this.drag = { x: e.clientX, y: e.clientY, moved: false, id: e.pointerId };
      // No explicit focus(): the click focuses the canvas for the keys without a keyboard focus ring.
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (d && d.id === e.pointerId) {
        const dx = e.clientX - d.x, dy = e.clientY - d.y;
        if (d.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          d.moved = true;
          this.camera.panBy(dx, dy);
          d.x = e.clientX;
          d.y = e.clientY;
          c.classList.add('panning');
          this.events.hover(-1, e.clientX, e.clientY);
          this.requestDraw();
        }
        return;
      }
      this.events.hover(this.pick(e.clientX, e.clientY), e.clientX, e.clientY);
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      if (!d || d.id !== e.pointerId) return;
      this.drag = null;
      c.classList.remove('panning');
      if (!d.moved && e.type === 'pointerup') this.events.click(this.pick(e.clientX, e.clientY));
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', (e) => {
      if (!this.drag) this.events.hover(-1, e.clientX, e.clientY);
    });
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = c.getBoundingClientRect();
        // Trackpads send many small deltas, mouse wheels a few large ones; the exponent treats both alike.
        const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
        this.camera.zoomAt(e.clientX - rect.left, e.clientY - rect.top, Math.exp(-delta * 0.0015));
        this.events.hover(-1, e.clientX, e.clientY);
        this.requestDraw();
      },
      { passive: false },
    );
    c.addEventListener('dblclick', () => this.fit());
    c.addEventListener('keydown', (e) => {
      const step = 40;
      const keys: Record<string, () => void> = {
        ArrowLeft: () => this.camera.panBy(step, 0),
        ArrowRight: () => this.camera.panBy(-step, 0),
        ArrowUp: () => this.camera.panBy(0, step),
        ArrowDown: () => this.camera.panBy(0, -step),
        '+': () => this.camera.zoomAt(this.camera.width / 2, this.camera.height / 2, 1.25),
        '=': () => this.camera.zoomAt(this.camera.width / 2, this.camera.height / 2, 1.25),
        '-': () => this.camera.zoomAt(this.camera.width / 2, this.camera.height / 2, 0.8),
        '0': () => this.fit(),
        Escape: () => this.events.click(-1),
      };
      const action = keys[e.key];
      if (!action) return;
      e.preventDefault();
      action();
      this.requestDraw();
    });
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.renderer.dispose();
  }
}
