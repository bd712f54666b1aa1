/**
 * The panel header: what the run is (config, backend), what it is doing (state, step, throughput, learning
 * rate) and a Stop button while it runs. In comparisons, one line per run with its legend colour.
 * Built once per init and updated in place, so the live updates do not re-create the toolkit buttons.
 */
import type { ChartRunInfo } from '../../src/shared/chartsMessages';
import { button } from '../common/controls';
import { el, setChildren } from '../common/dom';
import type { Theme } from '../common/theme';
import { accuracyFacts } from './data/accuracyFacts';
import { configFacts } from './data/configFacts';
import { formatInteger, formatNumber } from './data/format';
import { runProgress, type RunProgress } from './data/runProgress';
import type { RunSeries } from './data/runSeries';

function progressFacts(p: RunProgress): string[] {
  const facts: string[] = [];
  if (p.step !== null) facts.push(p.totalSteps ? `step ${formatInteger(p.step)} / ${formatInteger(p.totalSteps)}` : `step ${formatInteger(p.step)}`);
  if (p.epoch !== null) facts.push(p.epochs ? `epoch ${p.epoch.toFixed(1)} / ${p.epochs}` : `epoch ${p.epoch.toFixed(1)}`);
  if (p.imagesPerSecond !== null) facts.push(`${formatInteger(p.imagesPerSecond)} images/s`);
  if (p.lr !== null) facts.push(`lr ${formatNumber(p.lr)}`);
  return facts;
}

interface RunLine {
  state: HTMLElement;
  progress: HTMLElement;
  backend: HTMLElement;
  reason: HTMLElement;
  stop: HTMLElement;
  swatch?: HTMLElement;
}

export class Header {
  readonly element = el('header', { class: 'run-header' });
  private lines: RunLine[] = [];

  constructor(private readonly onStop: (run: number) => void) {}

  /** Rebuilds the layout for a new set of runs. */
  setRuns(runs: readonly ChartRunInfo[], labels: readonly string[], compare: boolean): void {
    this.lines = runs.map((_, i) => ({
      state: el('span', { class: 'state-badge' }),
      progress: el('span', { class: 'facts progress' }),
      backend: el('span', { class: 'facts backend' }),
      reason: el('span', { class: 'reason' }),
      stop: button({ label: 'Stop', title: 'Stop this run after the current step (it writes a checkpoint first)', onClick: () => this.onStop(i) }),
      swatch: compare ? el('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } }) : undefined,
    }));
    if (!compare) {
      const run = runs[0];
      const line = this.lines[0];
      setChildren(
        this.element,
        el('div', { class: 'title-row' }, el('h1', { text: run.config?.name || run.runId, title: run.runDir }), line.state, line.stop),
        el('div', { class: 'facts config', text: configFacts(run.config).join(' · ') }),
        el('div', { class: 'facts-row' }, line.backend, line.progress),
        line.reason,
      );
      return;
    }
    const rows = runs.map((run, i) => {
      const line = this.lines[i];
      return el(
        'tr',
        {},
        el('td', {}, line.swatch),
        el('td', { class: 'run-label', text: labels[i], title: `${run.runId}\n${configFacts(run.config).join(' · ')}` }),
        el('td', {}, line.state),
        el('td', {}, line.progress, line.reason),
        el('td', {}, line.stop),
      );
    });
    setChildren(this.element, el('h1', { text: `Comparing ${runs.length} runs` }), el('table', { class: 'compare-runs' }, el('tbody', {}, ...rows)));
  }

  update(runs: readonly ChartRunInfo[], series: readonly RunSeries[], theme: Theme): void {
    this.lines.forEach((line, i) => {
      const p = runProgress(runs[i], series[i]);
      line.state.textContent = p.state;
      line.state.dataset.state = p.state;
      line.progress.textContent = [...progressFacts(p), ...accuracyFacts(series[i])].join(' · ');
      line.backend.textContent = p.backend ? `backend ${p.backend}` : '';
      line.backend.title = p.backendDetails.join('\n');
      line.reason.textContent = p.reason ?? '';
      line.reason.hidden = !p.reason;
      line.stop.hidden = !(p.state === 'running' || p.state === 'queued');
      if (line.swatch) line.swatch.style.background = theme.palette[i % theme.palette.length];
    });
  }
}
