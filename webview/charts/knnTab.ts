/** The kNN tab: top-1 accuracy over epochs from the pre-training evaluation on, best value marked. */
import { el } from '../common/dom';
import { ChartView } from './chartView';
import type { ChartRun } from './data/chartRun';
import { formatPercent } from './data/format';
import { knnChartSpec, knnSummary, knnTable } from './data/knnChart';
import type { ChartsTab, TabContext } from './tabContext';

export class KnnTab implements ChartsTab {
  readonly id = 'knn' as const;
  readonly label = 'kNN accuracy';
  readonly element: HTMLElement;
  private readonly readout = el('p', { class: 'readout' });
  private readonly chart: ChartView;
  private ctx: TabContext | undefined;

  constructor(requestRender: () => void) {
    this.chart = new ChartView({
      height: 320,
      onZoom: (range) => this.ctx?.updateUi({ zoom: { ...this.ctx.ui.zoom, knn: range ?? undefined } }),
      onResize: requestRender,
      exportName: () => `knn-${this.ctx?.exportStem ?? 'run'}`,
      exportTable: () => knnTable(this.ctx?.runs ?? []),
      save: (...args) => this.ctx?.save(...args),
    });
    this.element = el('div', { class: 'tab-body' }, this.readout, this.chart.element);
  }

  render(ctx: TabContext): void {
    this.ctx = ctx;
    this.readout.textContent = readoutText(ctx.runs);
    this.chart.render(knnChartSpec(ctx.runs), ctx.theme, ctx.ui.zoom.knn ?? null);
  }
}

function readoutText(runs: readonly ChartRun[]): string {
  return runs
    .map((run) => {
      const s = knnSummary(run);
      const prefix = runs.length > 1 ? `${run.label}: ` : '';
      if (!s) return `${prefix}no kNN evaluation yet`;
      return `${prefix}best ${formatPercent(s.best)} at epoch ${s.bestEpoch.toFixed(1)} · latest ${formatPercent(s.final)} (epoch ${s.finalEpoch.toFixed(1)})`;
    })
    .join('   |   ');
}
