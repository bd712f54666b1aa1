/**
 * The projection webview's controller: keeps the persisted state, asks the host for one projection per
 * view, and links the views: shared class colours and legend (hiding a class hides it everywhere), and the
 * hovered or selected sample is ringed in the other view too (same test-split index).
 */
import { el } from '../common/dom';
import { parseColor } from '../common/colors';
import { observeTheme, readTheme } from '../common/theme';
import { vscodeApi } from '../common/vscodeApi';
import { DEFAULT_PARAMS, EMBEDDING_LAYERS, PROJECTION_METHODS, type EmbeddingLayer } from '../../src/shared/embeddingFiles';
import { type HostToProjection, type ProjectionPayload, type ProjectionToHost, type ProjectionWebviewState, type ViewCatalog } from '../../src/shared/projectionMessages';
import { InfoPanel, type NeighbourRow, type PointInfo } from './infoPanel';
import { Legend, type LegendClass } from './legend';
import { classColor } from './palette';
import type { Highlight } from './render/types';
import { thumbnailCanvas } from './thumbnail';
import { Toolbar } from './toolbar';
import { Tooltip } from './tooltip';
import { ViewPanel } from './viewPanel';

const NEIGHBOURS_K = 10;
const THUMB_TOOLTIP_PX = 56;
const THUMB_INFO_PX = 96;

interface Thumb {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

export function defaultState(): ProjectionWebviewState {
  return { runs: [], method: 'pca', params: structuredClone(DEFAULT_PARAMS), views: [], hiddenClasses: [], renderer: 'auto', pointScale: 1 };
}

/** Restored state is checked field by field: an older or corrupt state falls back to defaults, never throws. */
export function restoreState(raw: unknown): ProjectionWebviewState {
  const s = defaultState();
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Partial<ProjectionWebviewState>;
  if (Array.isArray(r.runs)) s.runs = r.runs.filter((x): x is string => typeof x === 'string');
  if (PROJECTION_METHODS.includes(r.method as never)) s.method = r.method!;
  if (r.params && typeof r.params === 'object') {
    for (const m of PROJECTION_METHODS) {
      const p = (r.params as Record<string, unknown>)[m];
      if (p && typeof p === 'object') (s.params as Record<string, unknown>)[m] = { ...DEFAULT_PARAMS[m], ...(p) };
    }
  }
  if (Array.isArray(r.views)) {
    s.views = r.views.map((v) => ({
      epoch: typeof v?.epoch === 'number' ? v.epoch : null,
      layer: EMBEDDING_LAYERS.includes(v?.layer) ? v.layer : 'encoder',
    }));
  }
  if (Array.isArray(r.hiddenClasses)) s.hiddenClasses = r.hiddenClasses.filter((x) => Number.isInteger(x));
  if (r.renderer === 'webgl' || r.renderer === 'canvas2d' || r.renderer === 'auto') s.renderer = r.renderer;
  if (typeof r.pointScale === 'number' && r.pointScale > 0) s.pointScale = r.pointScale;
  return s;
}

export class ProjectionApp {
  private readonly api = vscodeApi<ProjectionToHost, ProjectionWebviewState>();
  private readonly state: ProjectionWebviewState;
  private views: ViewPanel[] = [];
  private catalogs: ViewCatalog[] = [];
  private readonly requests = new Map<number, { key: string; requestId: number }>();
  private nextRequestId = 1;
  private hover: { slot: number; point: number; x: number; y: number } | null = null;
  private selection: { slot: number; point: number } | null = null;
  private neighbours: { slot: number; point: number; list: Int32Array; sims: Float32Array } | null = null;
  private readonly thumbs = new Map<string, Thumb | null>();
  private readonly thumbRequested = new Set<string>();
  private foreground: [number, number, number] = [220, 220, 220];
  private readonly toolbar: Toolbar;
  private readonly legend: Legend;
  private readonly info: InfoPanel;
  private readonly tooltip = new Tooltip();
  private readonly viewsRow = el('div', { class: 'views' });

  constructor(root: HTMLElement) {
    this.state = restoreState(this.api.getState());
    this.toolbar = new Toolbar(this.state.method, this.state.params, {
      apply: (method, params) => {
        this.state.method = method;
        this.state.params = params;
        this.save();
        // An explicit Apply retries even an unchanged selection (e.g. after an error).
        this.requests.clear();
        this.views.forEach((_, slot) => this.request(slot));
      },
      compare: () => this.api.postMessage({ type: 'compare' }),
      pointSize: (scale) => {
        this.state.pointScale = scale;
        this.save();
        this.restyle();
      },
    }, this.state.pointScale);
    this.legend = new Legend({
      toggle: (label) => {
        const hidden = new Set(this.state.hiddenClasses);
        if (hidden.has(label)) hidden.delete(label);
        else hidden.add(label);
        this.setHidden(hidden);
      },
      solo: (label) => this.setHidden(new Set(this.legendClasses().map((c) => c.label).filter((l) => l !== label))),
      showAll: () => this.setHidden(new Set()),
    });
    this.info = new InfoPanel({
      pick: (slot, point) => this.select(slot, point),
      hover: (slot, point) => {
        this.hover = point < 0 ? null : { slot, point, x: 0, y: 0 };
        this.updateHighlights();
      },
    });
    root.removeAttribute('aria-busy');
    root.replaceChildren(this.toolbar.element, el('div', { class: 'main' }, this.viewsRow, this.info.element), this.legend.element);
    document.body.append(this.tooltip.element);
    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data as HostToProjection));
    observeTheme(() => this.restyle());
    this.readThemeColors();
    this.api.postMessage({ type: 'ready' });
  }

  private save(): void {
    this.api.setState(this.state);
  }

  private readThemeColors(): [number, number, number] {
    const theme = readTheme();
    const bg = parseColor(theme.background) ?? [30, 30, 30, 1];
    const fg = parseColor(theme.foreground) ?? [220, 220, 220, 1];
    this.foreground = [fg[0], fg[1], fg[2]];
    return [bg[0], bg[1], bg[2]];
  }

  private restyle(): void {
    const background = this.readThemeColors();
    for (const v of this.views) v.scatter.setStyle({ background, foreground: this.foreground, sizeScale: this.state.pointScale });
    this.updateHighlights();
  }

  private onMessage(m: HostToProjection): void {
    switch (m.type) {
      case 'catalog':
        return this.onCatalog(m.views);
      case 'projection':
        return this.onProjection(m);
      case 'busy':
        if (this.requests.get(m.slot)?.requestId === m.requestId) this.views[m.slot]?.setBusy(m.text, m.progress);
        return;
      case 'error': {
        const req = this.requests.get(m.slot);
        if (req?.requestId !== m.requestId) return;
        this.views[m.slot]?.setError(m.message);
        // The same selection may be retried (Apply, or another epoch and back).
        this.requests.delete(m.slot);
        return;
      }
      case 'neighbours':
        if (this.selection?.slot === m.slot && this.selection.point === m.point) {
          this.neighbours = { slot: m.slot, point: m.point, list: m.neighbours, sims: m.similarities };
          this.renderInfo();
          this.updateHighlights();
        }
        return;
      case 'thumbnail': {
        const key = `${m.slot}:${m.point}`;
        this.thumbs.set(key, m.pixels ? { pixels: m.pixels, height: m.height, width: m.width, channels: m.channels } : null);
        if (this.hover?.slot === m.slot && this.hover.point === m.point) this.showTooltip();
        if (this.selection?.slot === m.slot && this.selection.point === m.point) this.renderInfo();
        return;
      }
    }
  }

  private onCatalog(catalogs: ViewCatalog[]): void {
    this.catalogs = catalogs;
    this.state.runs = catalogs.map((c) => c.runDir);
    while (this.views.length > catalogs.length) this.views.pop()!.dispose();
    const background = this.readThemeColors();
    while (this.views.length < catalogs.length) {
      const slot = this.views.length;
      const view = new ViewPanel(slot, this.viewEvents(), this.state.renderer);
      view.scatter.setStyle({ background, foreground: this.foreground, sizeScale: this.state.pointScale });
      this.views.push(view);
      this.viewsRow.append(view.element);
      this.requests.delete(slot);
    }
    this.state.views.length = Math.min(this.state.views.length, catalogs.length);
    catalogs.forEach((cat, slot) => {
      const layers = cat.snapshots.map((s) => s.layer);
      // A new view starts at the first view's epoch and layer when it has them ("same epoch" comparisons).
      const template = this.state.views[0] ?? { epoch: null, layer: 'encoder' };
      const vs = (this.state.views[slot] ??= { ...template });
      if (!layers.includes(vs.layer) && layers.length) vs.layer = layers.includes('encoder') ? 'encoder' : layers[0];
      this.views[slot].setCatalog(cat, vs.epoch, vs.layer, catalogs.length > 1);
      this.request(slot);
    });
    this.viewsRow.classList.toggle('compare', catalogs.length > 1);
    this.toolbar.setCompareEnabled(catalogs.length < 2);
    this.toolbar.setRenderer(this.views[0] ? (this.views[0].scatter.rendererKind === 'webgl' ? 'WebGL' : 'Canvas 2D') : '');
    this.save();
  }

  /** Asks the host for the slot's current selection unless that exact request is already out or shown. */
  private request(slot: number): void {
    const cat = this.catalogs[slot];
    const vs = this.state.views[slot];
    if (!cat || !vs) return;
    const epochs = cat.snapshots.filter((s) => s.layer === vs.layer).map((s) => s.epoch);
    if (epochs.length === 0) return;
    const newest = Math.max(...epochs);
    const epoch = vs.epoch !== null && epochs.includes(vs.epoch) ? vs.epoch : newest;
    const selection = { epoch, layer: vs.layer, method: this.state.method, params: this.state.params[this.state.method] };
    const key = JSON.stringify([cat.runDir, selection]);
    if (this.requests.get(slot)?.key === key) return;
    const requestId = this.nextRequestId++;
    this.requests.set(slot, { key, requestId });
    this.api.postMessage({ type: 'select', slot, requestId, ...selection });
    this.views[slot].setBusy('requesting', null);
  }

  private viewEvents() {
    return {
      selectEpoch: (slot: number, epoch: number | null) => {
        this.state.views[slot].epoch = epoch;
        this.save();
        this.request(slot);
      },
      selectLayer: (slot: number, layer: EmbeddingLayer) => {
        this.state.views[slot].layer = layer;
        this.save();
        const cat = this.catalogs[slot];
        if (cat) this.views[slot].setCatalog(cat, this.state.views[slot].epoch, layer, this.catalogs.length > 1);
        this.request(slot);
      },
      exportTsv: (slot: number) => {
        const p = this.views[slot]?.payload;
        if (p) this.api.postMessage({ type: 'export', slot, epoch: p.header.epoch, layer: p.header.layer });
      },
      close: (slot: number) => {
        this.state.views.splice(slot, 1);
        this.save();
        // The remaining run may move to slot 0: rebuild the views from the host's next catalog.
        for (const v of this.views) v.dispose();
        this.views = [];
        this.requests.clear();
        this.selection = null;
        this.neighbours = null;
        this.hover = null;
        this.tooltip.hide();
        this.info.clear();
        this.api.postMessage({ type: 'closeCompare', slot });
      },
      hover: (slot: number, point: number, x: number, y: number) => {
        const same = this.hover?.slot === slot && this.hover.point === point;
        this.hover = point < 0 ? null : { slot, point, x, y };
        if (!same) this.updateHighlights();
        this.showTooltip();
      },
      click: (slot: number, point: number) => this.select(slot, point),
    };
  }

  private onProjection(p: ProjectionPayload): void {
    if (this.requests.get(p.slot)?.requestId !== p.requestId) return;
    for (const key of [...this.thumbs.keys()]) if (key.startsWith(`${p.slot}:`)) this.thumbs.delete(key);
    for (const key of [...this.thumbRequested]) if (key.startsWith(`${p.slot}:`)) this.thumbRequested.delete(key);
    if (this.selection?.slot === p.slot) {
      this.selection = null;
      this.neighbours = null;
      this.info.clear();
    }
    if (this.hover?.slot === p.slot) this.hover = null;
    this.views[p.slot]?.setPayload(p, new Set(this.state.hiddenClasses));
    this.legend.update(this.legendClasses(), new Set(this.state.hiddenClasses));
    this.updateHighlights();
    this.showTooltip();
  }

  private legendClasses(): LegendClass[] {
    const byLabel = new Map<number, LegendClass>();
    this.views.forEach((v, slot) => {
      const p = v.payload;
      if (!p) return;
      for (const label of p.labels) {
        let c = byLabel.get(label);
        if (!c) byLabel.set(label, (c = { label, name: p.classNames[label] ?? String(label), counts: this.views.map(() => 0) }));
        c.counts[slot]++;
      }
    });
    return [...byLabel.values()].sort((a, b) => a.label - b.label);
  }

  private setHidden(hidden: Set<number>): void {
    this.state.hiddenClasses = [...hidden].sort((a, b) => a - b);
    this.save();
    for (const v of this.views) v.scatter.setHidden(hidden);
    this.legend.update(this.legendClasses(), hidden);
    if (this.hover && !this.views[this.hover.slot]?.scatter.isVisible(this.hover.point)) {
      this.hover = null;
      this.tooltip.hide();
    }
    this.updateHighlights();
  }

  private pointInfo(slot: number, point: number): PointInfo | null {
    const v = this.views[slot];
    const p = v?.payload;
    if (!p || point < 0 || point >= p.header.count) return null;
    const label = p.labels[point];
    return { slot, point, label, name: p.classNames[label] ?? String(label), testIndex: p.indices[point], runName: v.catalog?.runName ?? '' };
  }

  /** The point with the same test-split index in another view, or -1. */
  private counterpart(fromSlot: number, point: number, toSlot: number): number {
    const from = this.views[fromSlot]?.payload;
    const to = this.views[toSlot]?.payload;
    if (!from || !to) return -1;
    const testIndex = from.indices[point];
    // Snapshots of the same test subset list points in the same order: try the same position first.
    if (to.indices[point] === testIndex) return point;
    return to.indices.indexOf(testIndex);
  }

  private thumb(slot: number, point: number, cssSize: number): HTMLCanvasElement | null | 'loading' {
    if (!this.catalogs[slot]?.hasImages) return null;
    const key = `${slot}:${point}`;
    if (!this.thumbs.has(key)) {
      if (!this.thumbRequested.has(key)) {
        this.thumbRequested.add(key);
        this.api.postMessage({ type: 'thumbnail', slot, point });
      }
      return 'loading';
    }
    const t = this.thumbs.get(key);
    return t ? thumbnailCanvas(t.pixels, t.height, t.width, t.channels, cssSize) : null;
  }

  private showTooltip(): void {
    const h = this.hover;
    const info = h && h.x > 0 ? this.pointInfo(h.slot, h.point) : null;
    if (!h || !info) {
      this.tooltip.hide();
      return;
    }
    this.tooltip.show(info, this.thumb(h.slot, h.point, THUMB_TOOLTIP_PX), h.x, h.y);
  }

  private select(slot: number, point: number): void {
    if (point < 0) {
      this.selection = null;
      this.neighbours = null;
      this.info.clear();
    } else {
      this.selection = { slot, point };
      this.neighbours = null;
      this.api.postMessage({ type: 'neighbours', slot, point, k: NEIGHBOURS_K });
      this.renderInfo();
    }
    this.updateHighlights();
  }

  private renderInfo(): void {
    const sel = this.selection;
    const info = sel && this.pointInfo(sel.slot, sel.point);
    if (!sel || !info) return this.info.clear();
    const thumb = this.thumb(sel.slot, sel.point, THUMB_INFO_PX);
    const nb = this.neighbours;
    const rows: NeighbourRow[] | null = nb
      ? Array.from(nb.list, (point, i) => ({ ...this.pointInfo(sel.slot, point)!, similarity: nb.sims[i] }))
      : null;
    this.info.show(info, thumb === 'loading' ? null : thumb, rows, this.views[sel.slot]?.payload?.dim ?? 0);
  }

  /** Rings and discs drawn over the points: selection, its neighbours, the hover, and their counterparts. */
  private updateHighlights(): void {
    const fg: [number, number, number, number] = [...this.foreground, 255];
    this.views.forEach((view, slot) => {
      const base = view.scatter.pointSize();
      const list: Highlight[] = [];
      const sel = this.selection;
      if (sel) {
        const own = sel.slot === slot ? sel.point : this.counterpart(sel.slot, sel.point, slot);
        if (this.neighbours && sel.slot === slot) {
          for (const n of this.neighbours.list) list.push({ index: n, rgba: fg, size: base + 6, ring: true });
        }
        if (own >= 0) {
          const p = view.payload!;
          list.push({ index: own, rgba: [...classColor(p.labels[own]), 255], size: base + 5, ring: false });
          list.push({ index: own, rgba: fg, size: base + 11, ring: true });
        }
      }
      const h = this.hover;
      if (h) {
        const own = h.slot === slot ? h.point : this.counterpart(h.slot, h.point, slot);
        if (own >= 0) list.push({ index: own, rgba: fg, size: base + 9, ring: true });
      }
      view.scatter.setHighlights(list);
    });
  }
}
