/**
 * One chart on screen: a uPlot instance drawn from a ChartSpec, a toolbar with its exports, and resizing
 * with its container. A new spec with the same structure only swaps the data (cheap, keeps the hover
 * state); a structural change or a theme switch rebuilds the plot.
 */
import uPlot from 'uplot';
import type { ExportFormat } from '../../src/shared/chartsMessages';
import { composeChartPng } from '../common/canvasExport';
import { withAlpha } from '../common/colors';
import { button } from '../common/controls';
import { el } from '../common/dom';
import type { Theme } from '../common/theme';
import type { ChartSpec } from './data/chartSpec';
import type { XRange } from './data/downsample';
import { chartSvg, type SvgView } from './data/svgChart';
import { toCsv, type DataTable } from './data/table';
import { plotData, plotOptions, structureKey } from './plotOptions';

export interface ChartViewOptions {
  height: number;
  onZoom(range: XRange | null): void;
  /** Called when the width changed enough that the data should be re-downsampled. */
  onResize(): void;
  /** File name stem for exports, e.g. "loss-20261128-dcl-b256". */
  exportName(): string;
  exportTable(): DataTable;
  save(format: ExportFormat, suggestedName: string, content: string | Uint8Array): void;
}

export class ChartView {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private plot: uPlot | undefined;
  private key = '';
  private spec: ChartSpec | undefined;
  private theme: Theme | undefined;
  private lastWidth = 0;

  constructor(private readonly opts: ChartViewOptions) {
    this.plotHost = el('div', { class: 'plot' });
    this.emptyNote = el('p', { class: 'empty-note', text: 'No data yet.' });
    const toolbar = el(
      'div',
      { class: 'chart-toolbar' },
      button({ label: 'PNG', title: 'Save this chart as a PNG image', onClick: () => this.exportPng() }),
      button({ label: 'SVG', title: 'Save this chart as an SVG vector image', onClick: () => this.exportSvg() }),
      button({ label: 'CSV', title: "Save this chart's data (full resolution) as CSV", onClick: () => this.exportCsv() }),
    );
    this.element = el('section', { class: 'chart' }, toolbar, this.emptyNote, this.plotHost);
    new ResizeObserver(() => this.onContainerResize()).observe(this.plotHost);
  }

  /** Width available to the plot in CSS pixels (0 while its tab is hidden). */
  get width(): number {
    return this.plotHost.clientWidth;
  }

  render(spec: ChartSpec, theme: Theme, zoom: XRange | null): void {
    this.spec = spec;
    this.theme = theme;
    const hasData = spec.x.length > 0 && spec.series.length > 0;
    this.emptyNote.hidden = hasData;
    this.plotHost.hidden = !hasData;
    if (!hasData || this.width === 0) return;
    const key = structureKey(spec, theme, this.opts.height);
    const data = plotData(spec);
    if (!this.plot || key !== this.key) {
      this.plot?.destroy();
      this.key = key;
      this.plot = new uPlot(plotOptions(spec, theme, { width: this.width, height: this.opts.height }, this.opts), data, this.plotHost);
    } else {
      this.plot.setData(data, true);
    }
    if (zoom) this.plot.setScale('x', zoom);
    this.lastWidth = this.width;
  }

  private onContainerResize(): void {
    const w = this.width;
    if (w === 0 || w === this.lastWidth) return;
    if (this.plot) this.plot.setSize({ width: w, height: this.opts.height });
    // A first layout (tab shown) or a large change needs new data at the new resolution.
    if (!this.plot || Math.abs(w - this.lastWidth) > 40) this.opts.onResize();
    this.lastWidth = w;
  }

  private legend(): { label: string; color: string }[] {
    if (!this.spec || !this.theme) return [];
    const palette = this.theme.palette;
    return this.spec.series.filter((s) => s.style !== 'edge').map((s) => ({ label: s.label, color: withAlpha(palette[s.color % palette.length], s.opacity ?? 1) }));
  }

  private exportPng(): void {
    if (!this.plot || !this.spec || !this.theme) return;
    const t = this.theme;
    const bytes = composeChartPng(this.plot.ctx.canvas, { title: this.spec.title, legend: this.legend(), background: t.background, foreground: t.foreground, fontFamily: t.fontFamily, fontSize: t.fontSize });
    this.opts.save('png', `${this.opts.exportName()}.png`, bytes);
  }

  private exportSvg(): void {
    if (!this.plot || !this.spec || !this.theme) return;
    const u = this.plot;
    const range = (key: string): [number, number] | undefined => {
      const s = u.scales[key];
      return s && s.min !== undefined && s.max !== undefined && s.min !== null && s.max !== null ? [s.min, s.max] : undefined;
    };
    const view: SvgView = { x: range('x') ?? [0, 1], y: range('y') ?? [0, 1], y2: range('y2') };
    const t = this.theme;
    const svg = chartSvg(this.spec, { background: t.background, foreground: t.foreground, grid: t.grid, fontFamily: t.fontFamily, fontSize: t.fontSize, palette: t.palette }, { width: Math.max(640, this.width), height: this.opts.height + 110 }, view);
    this.opts.save('svg', `${this.opts.exportName()}.svg`, svg);
  }

  private exportCsv(): void {
    this.opts.save('csv', `${this.opts.exportName()}.csv`, toCsv(this.opts.exportTable()));
  }
}
