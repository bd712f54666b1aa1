/** The Loss tab: raw and smoothed loss, smoothing slider, x-axis selector, log-y toggle, zoom. */
import { checkbox, slider, type Control } from '../common/controls';
import { el } from '../common/dom';
import { ChartView } from './chartView';
import { lossChartSpec, lossTable } from './data/lossChart';
import { MAX_SMOOTHING, type ChartsUiState } from './data/uiState';
import type { ChartsTab, TabContext } from './tabContext';
import { xAxisControl } from './xAxisControl';

export class LossTab implements ChartsTab {
  readonly id = 'loss' as const;
  readonly label = 'Loss';
  readonly element: HTMLElement;
  private readonly chart: ChartView;
  private readonly smoothing: Control<number>;
  private readonly xAxis: Control<ChartsUiState['xAxis']>;
  private readonly logY: Control<boolean>;
  private ctx: TabContext | undefined;

  constructor(ui: ChartsUiState, requestRender: () => void) {
    const update = (patch: Partial<ChartsUiState>) => this.ctx?.updateUi(patch);
    this.smoothing = slider({
      label: 'Smoothing',
      min: 0,
      max: MAX_SMOOTHING,
      step: 0.001,
      value: ui.smoothing,
      format: (v) => v.toFixed(3),
      onInput: (v) => update({ smoothing: v }),
    });
    // Zoom windows are in x-axis units, so switching the axis drops them.
    this.xAxis = xAxisControl(ui.xAxis, (xAxis) => update({ xAxis, zoom: {} }));
    this.logY = checkbox({ label: 'Log scale', checked: ui.logY, title: 'Logarithmic y-axis (symmetric log when the loss goes to zero or below)', onChange: (logY) => update({ logY }) });
    this.chart = new ChartView({
      height: 340,
      onZoom: (range) => this.ctx && update({ zoom: { ...this.ctx.ui.zoom, loss: range ?? undefined } }),
      onResize: requestRender,
      exportName: () => `loss-${this.ctx?.exportStem ?? 'run'}`,
      exportTable: () => lossTable(this.ctx?.runs ?? [], this.ctx?.ui.smoothing ?? 0),
      save: (...args) => this.ctx?.save(...args),
    });
    this.element = el(
      'div',
      { class: 'tab-body' },
      el('div', { class: 'controls' }, this.smoothing.element, this.xAxis.element, this.logY.element, el('span', { class: 'hint', text: 'Drag to zoom, double-click to reset.' })),
      this.chart.element,
    );
  }

  render(ctx: TabContext): void {
    this.ctx = ctx;
    this.xAxis.set(ctx.ui.xAxis);
    const spec = lossChartSpec(ctx.runs, {
      xAxis: ctx.ui.xAxis,
      smoothing: ctx.ui.smoothing,
      logY: ctx.ui.logY,
      range: ctx.ui.zoom.loss,
      buckets: this.chart.width || 800,
    });
    this.chart.render(spec, ctx.theme, ctx.ui.zoom.loss ?? null);
  }
}
