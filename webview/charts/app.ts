/**
 * The charts webview: receives run data from the host, keeps it in typed-array stores, and redraws the
 * header and the visible tab at most once per animation frame however fast batches arrive. Hidden tabs
 * are drawn when they are shown.
 */
import {
  panelIdentityFromState,
  type ChartRunInfo,
  type ChartsPanelIdentity,
  type ChartsToHostMessage,
  type ExportFormat,
  type HostToChartsMessage,
  type NpcProfileEntry,
  type NpcProfileJobState,
} from '../../src/shared/chartsMessages';
import { tabs, type Control } from '../common/controls';
import { el, setChildren } from '../common/dom';
import { observeTheme, readTheme, type Theme } from '../common/theme';
import { vscodeApi } from '../common/vscodeApi';
import { chartRun } from './data/chartRun';
import { runLabels } from './data/configDiff';
import { RunSeries } from './data/runSeries';
import { sanitizeUiState, type ChartsUiState, type PersistedChartsState, type TabId } from './data/uiState';
import { Header } from './header';
import { KnnTab } from './knnTab';
import { LossTab } from './lossTab';
import { NpcProfileTab } from './npcProfileTab';
import { NpcTab } from './npcTab';
import type { ChartsTab, TabContext } from './tabContext';
import { TableTab } from './tableTab';

export class ChartsApp {
  private readonly api = vscodeApi<ChartsToHostMessage, PersistedChartsState>();
  private ui: ChartsUiState;
  private identity: ChartsPanelIdentity | null;
  private runs: ChartRunInfo[] = [];
  private series: RunSeries[] = [];
  private labels: string[] = [];
  private errors: (string | undefined)[] = [];
  /** Per run: cached NPC-vs-batch-size profiles, skipped files, and the computation in progress. */
  private profiles: { entries: NpcProfileEntry[]; problems: string[]; job?: NpcProfileJobState }[] = [];
  private theme: Theme = readTheme();
  private readonly header = new Header((run) => this.api.postMessage({ type: 'stopRun', run }));
  private readonly errorBanner = el('div', { class: 'error-banner', attrs: { role: 'alert' } });
  private tabs: ChartsTab[] = [];
  private tabControl: Control<TabId> | undefined;
  private renderQueued = false;

  constructor(private readonly root: HTMLElement) {
    const saved = this.api.getState();
    this.ui = sanitizeUiState(saved?.ui);
    this.identity = panelIdentityFromState(saved);
    observeTheme(() => {
      this.theme = readTheme();
      this.scheduleRender();
    });
    window.addEventListener('message', (e: MessageEvent<HostToChartsMessage>) => this.onMessage(e.data));
    this.api.postMessage({ type: 'ready' });
  }

  private onMessage(m: HostToChartsMessage): void {
    switch (m.type) {
      case 'init':
        this.init(m.mode, m.runs);
        break;
      case 'history':
        this.series[m.run]?.reset(m.batch);
        this.errors[m.run] = undefined;
        break;
      case 'append':
        this.series[m.run]?.append(m.batch);
        break;
      case 'status':
        if (this.runs[m.run]) this.runs[m.run] = { ...this.runs[m.run], status: m.status };
        break;
      case 'feedError':
        this.errors[m.run] = m.message;
        break;
      case 'npcProfiles': {
        const slot = this.profiles[m.run];
        if (!slot) break;
        slot.entries = m.profiles;
        slot.problems = m.problems;
        // A profile just computed is what the user asked to see.
        if (m.select !== undefined) this.updateUi({ profileRun: m.run, profileFile: m.select });
        break;
      }
      case 'npcProfileJob':
        if (this.profiles[m.run]) this.profiles[m.run].job = m.job;
        break;
    }
    this.scheduleRender();
  }

  private init(mode: ChartsPanelIdentity['mode'], runs: ChartRunInfo[]): void {
    this.identity = { mode, runDirs: runs.map((r) => r.runDir) };
    this.runs = runs;
    this.series = runs.map(() => new RunSeries());
    this.errors = runs.map(() => undefined);
    this.profiles = runs.map(() => ({ entries: [], problems: [] }));
    this.labels = mode === 'compare' ? runLabels(runs) : runs.map((r) => r.config?.name || r.runId);
    const compare = mode === 'compare';
    if (!compare && this.ui.tab === 'table') this.ui = { ...this.ui, tab: 'loss' };
    const requestRender = () => this.scheduleRender();
    this.tabs = [
      new LossTab(this.ui, requestRender),
      new NpcTab(this.ui, requestRender),
      new NpcProfileTab(this.ui, requestRender, {
        runLabels: this.labels,
        profiles: (run) => this.profiles[run]?.entries ?? [],
        problems: (run) => this.profiles[run]?.problems ?? [],
        job: (run) => this.profiles[run]?.job,
        compute: (run, initial) => this.api.postMessage({ type: 'computeNpcProfile', run, initial }),
        cancel: (run) => this.api.postMessage({ type: 'cancelNpcProfile', run }),
      }),
      new KnnTab(requestRender),
    ];
    if (compare) this.tabs.push(new TableTab(() => this.runs.map((r) => r.config)));
    this.tabControl = tabs({
      tabs: this.tabs.map((t) => ({ id: t.id, label: t.label, content: t.element })),
      active: this.ui.tab,
      onChange: (tab) => this.updateUi({ tab }),
    });
    this.header.setRuns(runs, this.labels, compare);
    setChildren(this.root, this.header.element, this.errorBanner, this.tabControl.element);
    this.root.setAttribute('aria-busy', 'false');
    this.persist();
  }

  private updateUi(patch: Partial<ChartsUiState>): void {
    this.ui = { ...this.ui, ...patch };
    this.persist();
    this.scheduleRender();
  }

  private persist(): void {
    if (this.identity) this.api.setState({ ...this.identity, ui: this.ui });
  }

  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    if (!this.identity || this.series.length === 0) return;
    this.header.update(this.runs, this.series, this.theme);
    const problems = this.errors.map((e, i) => (e ? `${this.labels[i]}: ${e}` : '')).filter(Boolean);
    const skipped = this.series.reduce((n, s) => n + s.badLines, 0);
    if (skipped > 0) problems.push(`${skipped} unreadable line(s) in metrics.jsonl were skipped.`);
    setChildren(this.errorBanner, ...problems.map((p) => el('div', { text: p })));
    this.errorBanner.hidden = problems.length === 0;

    const active = this.tabs.find((t) => t.id === this.ui.tab) ?? this.tabs[0];
    active.render(this.context());
  }

  private context(): TabContext {
    const single = this.identity?.mode === 'single';
    return {
      runs: this.series.map((s, i) => chartRun(s, this.labels[i], this.runs[i].config)),
      exportStem: single ? this.runs[0].runId : `compare-${this.runs.length}-runs`,
      ui: this.ui,
      theme: this.theme,
      updateUi: (patch) => this.updateUi(patch),
      save: (format: ExportFormat, suggestedName: string, content: string | Uint8Array) =>
        this.api.postMessage({ type: 'saveFile', format, suggestedName, content }),
      copy: (text, description) => this.api.postMessage({ type: 'copyText', text, description }),
    };
  }
}
