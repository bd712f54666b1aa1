/**
 * The NPC multiplier tab: the distribution over training (percentile bands, mean, Cv) and the histogram at
 * chosen steps. For DCL/DCLW runs the multiplier is computed only as a diagnostic — DCL's gradient has no
 * such factor — and the tab says so, so nobody reads it as something DCL's training suffered from.
 */
import { lossInfo } from '../../src/shared/lossRegistry';
import type { LossKind } from '../../src/shared/protocol';
import { button, slider, type Control } from '../common/controls';
import { el, setChildren } from '../common/dom';
import { ChartView } from './chartView';
import type { ChartRun } from './data/chartRun';
import { formatInteger, formatNumber } from './data/format';
import { npcBandsSpec, npcTable } from './data/npcBandsChart';
import { histogramSteps, histogramTable, nearestRow, npcHistogramSpec, selectedStep } from './data/npcHistogramChart';
import { togglePinned, type ChartsUiState } from './data/uiState';
import type { ChartsTab, TabContext } from './tabContext';
import { xAxisControl } from './xAxisControl';

const DIAGNOSTIC_NOTE =
  "For DCL and DCLW runs this is a diagnostic: what InfoNCE's gradient would have been scaled by on the same batch. DCL removes the positive pair from the denominator, so its own gradient carries no such factor.";
const INFONCE_NOTE =
  "InfoNCE scales every sample's gradient by its NPC multiplier q (Yeh et al., Eq. 3). q far below 1 means easy positives shrink the learning signal; small batches make that worse.";

export function npcExplanation(losses: readonly (LossKind | null)[]): string {
  const decoupled = losses.some((l) => l !== null && !lossInfo(l).coupled);
  const coupled = losses.some((l) => l !== null && lossInfo(l).coupled);
  if (decoupled && coupled) return `${INFONCE_NOTE} ${DIAGNOSTIC_NOTE}`;
  return decoupled ? DIAGNOSTIC_NOTE : INFONCE_NOTE;
}

export class NpcTab implements ChartsTab {
  readonly id = 'npc' as const;
  readonly label = 'NPC multiplier';
  readonly element: HTMLElement;
  private readonly note = el('p', { class: 'note' });
  private readonly readout = el('p', { class: 'readout' });
  private readonly bands: ChartView;
  private readonly histogram: ChartView;
  private readonly xAxis: Control<ChartsUiState['xAxis']>;
  private readonly stepSlider: ReturnType<typeof slider>;
  private readonly pinButton: HTMLElement;
  private readonly clearButton: HTMLElement;
  private readonly pinnedList = el('span', { class: 'pinned' });
  private steps: Float64Array = new Float64Array(0);
  private ctx: TabContext | undefined;

  constructor(ui: ChartsUiState, requestRender: () => void) {
    const update = (patch: Partial<ChartsUiState>) => this.ctx?.updateUi(patch);
    this.xAxis = xAxisControl(ui.xAxis, (xAxis) => update({ xAxis, zoom: {} }));
    this.bands = new ChartView({
      height: 320,
      onZoom: (range) => this.ctx && update({ zoom: { ...this.ctx.ui.zoom, npcBands: range ?? undefined } }),
      onResize: requestRender,
      exportName: () => `npc-distribution-${this.ctx?.exportStem ?? 'run'}`,
      exportTable: () => npcTable(this.ctx?.runs ?? []),
      save: (...args) => this.ctx?.save(...args),
    });
    this.stepSlider = slider({
      label: 'Step',
      min: 0,
      max: 0,
      step: 1,
      value: 0,
      format: (i) => (this.steps.length ? `${formatInteger(this.steps[i])}${i === this.steps.length - 1 ? ' (latest)' : ''}` : '—'),
      // The last position follows the newest summary as the run goes on; any other position stays put.
      onInput: (i) => update({ histogramStep: i >= this.steps.length - 1 ? null : this.steps[i] }),
    });
    this.pinButton = button({
      label: 'Pin step',
      title: 'Keep this step overlaid while the slider moves on',
      onClick: () => {
        const ctx = this.ctx;
        const step = ctx && selectedStep(ctx.runs, { step: ctx.ui.histogramStep, pinned: [] });
        if (ctx && step !== null && step !== undefined) update({ histogramPinned: togglePinned(ctx.ui.histogramPinned, step) });
      },
    });
    this.clearButton = button({ label: 'Clear pins', onClick: () => update({ histogramPinned: [] }) });
    this.histogram = new ChartView({
      height: 280,
      onZoom: () => undefined, // the histogram always spans q ∈ [0, 1]
      onResize: requestRender,
      exportName: () => `npc-histogram-${this.ctx?.exportStem ?? 'run'}`,
      exportTable: () => histogramTable(this.histogramSpec()),
      save: (...args) => this.ctx?.save(...args),
    });
    this.element = el(
      'div',
      { class: 'tab-body' },
      this.note,
      el('div', { class: 'controls' }, this.xAxis.element, el('span', { class: 'hint', text: 'Bands: min–max, 7–93, 16–84, 31–69 percentiles around the median.' })),
      this.readout,
      this.bands.element,
      el('h2', { text: 'Histogram at a step' }),
      el('div', { class: 'controls' }, this.stepSlider.element, this.pinButton, this.clearButton, this.pinnedList),
      this.histogram.element,
    );
  }

  private histogramSpec() {
    const ctx = this.ctx;
    return npcHistogramSpec(ctx?.runs ?? [], { step: ctx?.ui.histogramStep ?? null, pinned: ctx?.ui.histogramPinned ?? [] });
  }

  render(ctx: TabContext): void {
    this.ctx = ctx;
    const compare = ctx.runs.length > 1;
    this.note.textContent = npcExplanation(ctx.runs.map((r) => r.loss));
    this.xAxis.set(ctx.ui.xAxis);
    this.readout.textContent = readoutText(ctx.runs);
    this.bands.render(npcBandsSpec(ctx.runs, { xAxis: ctx.ui.xAxis, range: ctx.ui.zoom.npcBands, buckets: this.bands.width || 800 }), ctx.theme, ctx.ui.zoom.npcBands ?? null);

    this.steps = histogramSteps(ctx.runs);
    const n = this.steps.length;
    this.stepSlider.setRange(0, Math.max(0, n - 1), 1);
    this.stepSlider.set(ctx.ui.histogramStep === null ? Math.max(0, n - 1) : Math.max(0, nearestRow(this.steps, ctx.ui.histogramStep)));
    this.pinButton.hidden = compare;
    this.clearButton.hidden = compare || ctx.ui.histogramPinned.length === 0;
    setChildren(this.pinnedList, compare || ctx.ui.histogramPinned.length === 0 ? null : `Overlaid: ${ctx.ui.histogramPinned.map((s) => `step ${formatInteger(s)}`).join(', ')}`);
    this.histogram.render(this.histogramSpec(), ctx.theme, null);
  }
}

/** "latest (step 1 200): mean 0.71 · Cv 0.18" per run. */
function readoutText(runs: readonly ChartRun[]): string {
  return runs
    .map((run) => {
      const npc = run.series.npc;
      const i = npc.step.length - 1;
      if (i < 0) return `${runs.length > 1 ? `${run.label}: ` : ''}no NPC summaries yet`;
      const prefix = runs.length > 1 ? `${run.label}: ` : 'Latest ';
      return `${prefix}(step ${formatInteger(npc.step[i])}): mean ${formatNumber(npc.mean[i])} · Cv ${formatNumber(npc.cv[i])}`;
    })
    .join('   |   ');
}
