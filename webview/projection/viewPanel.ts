/**
 * One run's column: header (run name, epoch and layer pickers, export, close), the cluster-quality strip,
 * and the scatter with its progress bar and status overlay.
 */
import { el, setChildren } from '../common/dom';
import type { EmbeddingLayer } from '../../src/shared/embeddingFiles';
import type { ProjectionPayload, ViewCatalog } from '../../src/shared/projectionMessages';
import { METHOD_LABEL, metricRows } from './format';
import { ScatterView } from './scatterView';

export interface ViewPanelEvents {
  selectEpoch(slot: number, epoch: number | null): void;
  selectLayer(slot: number, layer: EmbeddingLayer): void;
  exportTsv(slot: number): void;
  close(slot: number): void;
  hover(slot: number, point: number, clientX: number, clientY: number): void;
  click(slot: number, point: number): void;
}

const LATEST = 'latest';

export class ViewPanel {
  readonly element: HTMLElement;
  readonly scatter: ScatterView;
  payload: ProjectionPayload | null = null;
  catalog: ViewCatalog | null = null;
  private readonly title = el('h2', { class: 'run-name' });
  private readonly description = el('span', { class: 'run-description' });
  private readonly epochSelect = el('select', { attrs: { 'aria-label': 'Epoch' } });
  private readonly layerSelect = el('select', { attrs: { 'aria-label': 'Layer' } });
  private readonly closeButton = el('button', { class: 'icon-button', text: '×', title: 'Close this run (stop comparing)', attrs: { 'aria-label': 'Close this run' } });
  private readonly metrics = el('div', { class: 'metrics', attrs: { role: 'group', 'aria-label': 'Cluster quality' } });
  private readonly caption = el('div', { class: 'caption' });
  private readonly status = el('div', { class: 'status', attrs: { role: 'status' } });
  private readonly progress = el('div', { class: 'progress' }, el('div', { class: 'progress-bar' }));

  constructor(
    readonly slot: number,
    private readonly events: ViewPanelEvents,
    renderer: 'auto' | 'webgl' | 'canvas2d',
  ) {
    this.scatter = new ScatterView(
      {
        hover: (point, x, y) => events.hover(slot, point, x, y),
        click: (point) => events.click(slot, point),
      },
      renderer,
    );
    const exportButton = el('button', { text: 'Export TSV…', title: 'Write vectors.tsv + metadata.tsv for the TensorBoard Embedding Projector' });
    exportButton.addEventListener('click', () => events.exportTsv(slot));
    this.closeButton.addEventListener('click', () => events.close(slot));
    this.epochSelect.addEventListener('change', () => {
      const v = this.epochSelect.value;
      events.selectEpoch(slot, v === LATEST ? null : Number(v));
    });
    this.layerSelect.addEventListener('change', () => events.selectLayer(slot, this.layerSelect.value as EmbeddingLayer));
    this.element = el(
      'section',
      { class: 'view', attrs: { 'data-slot': String(slot) } },
      el(
        'header',
        { class: 'view-header' },
        el('div', { class: 'title-row' }, el('div', { class: 'run-title' }, this.title, this.description), this.closeButton),
        el('div', { class: 'view-controls' }, el('label', {}, 'Epoch ', this.epochSelect), el('label', {}, 'Layer ', this.layerSelect), exportButton),
      ),
      this.metrics,
      el('div', { class: 'plot' }, this.scatter.element, this.progress, this.status, this.caption),
    );
    this.setStatus('Waiting for the run’s embeddings…');
  }

  setCatalog(catalog: ViewCatalog, epoch: number | null, layer: EmbeddingLayer, canClose: boolean): void {
    this.catalog = catalog;
    this.title.textContent = catalog.runName;
    this.title.title = catalog.runDir;
    this.description.textContent = catalog.description;
    this.closeButton.hidden = !canClose;
    const layers = [...new Set(catalog.snapshots.map((s) => s.layer))];
    const epochs = catalog.snapshots.filter((s) => s.layer === layer).map((s) => s.epoch);
    const newest = epochs.length ? Math.max(...epochs) : null;
    setChildren(
      this.epochSelect,
      el('option', { text: newest === null ? 'latest' : `latest (${newest})`, attrs: { value: LATEST } }),
      ...epochs.map((e) => el('option', { text: String(e), attrs: { value: String(e) } })),
    );
    this.epochSelect.value = epoch === null || !epochs.includes(epoch) ? LATEST : String(epoch);
    setChildren(this.layerSelect, ...layers.map((l) => el('option', { text: l, attrs: { value: l } })));
    this.layerSelect.value = layer;
    this.layerSelect.disabled = layers.length < 2;
    if (catalog.snapshots.length === 0) this.setStatus('This run has no embedding snapshots yet; they are written after each epoch.');
  }

  setPayload(p: ProjectionPayload, hidden: Set<number>): void {
    this.payload = p;
    this.scatter.setData({ coords: p.coords, labels: p.labels, count: p.header.count }, hidden);
    const h = p.header;
    setChildren(
      this.metrics,
      ...metricRows(h, p.dim).map(([label, value, help]) =>
        el('span', { class: 'metric', title: help }, el('span', { class: 'metric-label', text: label }), el('span', { class: 'metric-value', text: value })),
      ),
    );
    this.caption.textContent =
      `${METHOD_LABEL[h.method]} · epoch ${h.epoch} · step ${h.step} · ${h.layer} · ${h.count.toLocaleString('en-US')} points × ${p.dim}-D` +
      (p.cached ? ' · cached' : ` · ${h.seconds.toFixed(1)} s`);
    this.clearBusy();
  }

  setBusy(text: string, progress: number | null): void {
    this.element.classList.add('busy');
    this.progress.classList.toggle('indeterminate', progress === null);
    (this.progress.firstElementChild as HTMLElement).style.width = progress === null ? '30%' : `${Math.round(progress * 100)}%`;
    const label = text ? `${text[0].toUpperCase()}${text.slice(1)}` : 'Working';
    this.setStatus(this.payload ? '' : `${label}${progress === null ? '…' : ` ${Math.round(progress * 100)}%`}`);
    this.caption.dataset.busy = progress === null ? `${label}…` : `${label} ${Math.round(progress * 100)}%`;
  }

  clearBusy(): void {
    this.element.classList.remove('busy');
    delete this.caption.dataset.busy;
    this.setStatus('');
  }

  setError(message: string): void {
    this.clearBusy();
    this.status.classList.add('error');
    this.status.textContent = message;
    this.status.hidden = false;
  }

  private setStatus(text: string): void {
    this.status.classList.remove('error');
    this.status.textContent = text;
    this.status.hidden = text === '';
  }

  dispose(): void {
    this.scatter.dispose();
    this.element.remove();
  }
}
