/**
 * The "NPC vs batch size" tab: the seed paper's figure for one run's model. The host sends the profiles
 * cached in the run folder and computes new ones on request (a child process, with a cancellable
 * notification); this tab picks one, overlays its q densities per batch size and draws Cv against the batch
 * size. A comparison panel shows one run's profiles at a time, picked from a list: profiles of different
 * models at different batch sizes overlaid in one chart would be unreadable.
 */
import type { NpcProfileEntry, NpcProfileJobState } from '../../src/shared/chartsMessages';
import { button, checkbox, dropdown, type Control } from '../common/controls';
import { el, setChildren } from '../common/dom';
import { ChartView } from './chartView';
import { formatNumber } from './data/format';
import {
  cvTable,
  densityCsvTable,
  modelLabel,
  npcProfileCvSpec,
  npcProfileHistogramSpec,
  profileExportStem,
  profileLabel,
  selectProfile,
  summaryCsvTable,
} from './data/npcProfile';
import type { ChartsUiState } from './data/uiState';
import type { ChartsTab, TabContext } from './tabContext';

const EXPLANATION =
  'InfoNCE scales each sample\'s gradient by its NPC multiplier q (Yeh et al., Eq. 3). For one model, q is smaller and more spread out in small batches ' +
  '(fewer negatives in the denominator): that is why SimCLR needs large batches, and what DCL removes. Each curve is the distribution of q over a few sampled batches of one size.';
const COMPARE_NOTE = 'This comparison shows one run at a time: pick it below.';

/** What the tab reads from the app and asks of the host. */
export interface ProfileSource {
  runLabels: readonly string[];
  profiles(run: number): readonly NpcProfileEntry[];
  /** Files in the run's npc-profile/ folder that were skipped, with why. */
  problems(run: number): readonly string[];
  job(run: number): NpcProfileJobState | undefined;
  compute(run: number, initial: boolean): void;
  cancel(run: number): void;
}

export function jobText(job: NpcProfileJobState | undefined): string {
  if (!job || job.state === 'done') return '';
  if (job.state === 'cancelled') return 'Computation cancelled.';
  if (job.state === 'failed') return `Computation failed: ${job.message}`;
  const what = job.initial ? 'the initial model' : 'the latest checkpoint';
  const pct = job.progress === null ? '' : ` (${Math.round(job.progress * 100)}%)`;
  return `Computing for ${what}: ${job.stage}${pct}…`;
}

export class NpcProfileTab implements ChartsTab {
  readonly id = 'npcProfile' as const;
  readonly label = 'NPC vs batch size';
  readonly element: HTMLElement;
  private readonly pickerHost = el('span', { class: 'profile-picker' });
  private readonly status = el('p', { class: 'readout', attrs: { role: 'status' } });
  private readonly problemsNote = el('div', { class: 'error-banner', attrs: { role: 'alert' } });
  private readonly details = el('p', { class: 'note' });
  private readonly tableHost = el('div', { class: 'table-host' });
  private readonly computeLatest: HTMLElement;
  private readonly computeInitial: HTMLElement;
  private readonly cancelButton: HTMLElement;
  private readonly logY: Control<boolean>;
  private readonly histogram: ChartView;
  private readonly cv: ChartView;
  private pickerKey = '';
  private picker: Control<string> | undefined;
  private entry: NpcProfileEntry | undefined;
  private ctx: TabContext | undefined;

  constructor(ui: ChartsUiState, requestRender: () => void, private readonly source: ProfileSource) {
    const update = (patch: Partial<ChartsUiState>) => this.ctx?.updateUi(patch);
    const compare = source.runLabels.length > 1;
    this.computeLatest = button({
      label: 'Compute for latest checkpoint',
      title: "Evaluate q of the run's latest checkpoint at batch sizes 32…1024 (cached in the run folder)",
      appearance: 'primary',
      onClick: () => this.source.compute(this.run(), false),
    });
    this.computeInitial = button({
      label: 'Compute for initial model',
      title: 'Evaluate q of the untrained model the run started from, for comparison',
      onClick: () => this.source.compute(this.run(), true),
    });
    this.cancelButton = button({ label: 'Cancel', title: 'Stop the computation', onClick: () => this.source.cancel(this.run()) });
    this.logY = checkbox({ label: 'log y', checked: ui.profileLogY, title: 'Density on an asinh (log-like) scale', onChange: (profileLogY) => update({ profileLogY }) });
    const runPicker = compare
      ? dropdown({
          ariaLabel: 'Run',
          options: source.runLabels.map((label, i) => ({ value: String(i), label })),
          value: String(Math.min(ui.profileRun, source.runLabels.length - 1)),
          onChange: (v) => update({ profileRun: Number(v), profileFile: null }),
        }).element
      : null;
    const exportStem = () => profileExportStem(this.ctx?.exportStem ?? 'run', this.entry);
    this.histogram = new ChartView({
      height: 320,
      onZoom: () => undefined, // q always spans [0, 1]
      onResize: requestRender,
      exportName: () => `${exportStem()}-density`,
      exportTable: () => densityCsvTable(this.entry?.profile),
      save: (...args) => this.ctx?.save(...args),
    });
    this.cv = new ChartView({
      height: 220,
      onZoom: () => undefined, // a handful of batch sizes: nothing to zoom into
      onResize: requestRender,
      exportName: () => `${exportStem()}-cv`,
      exportTable: () => summaryCsvTable(this.entry?.profile),
      save: (...args) => this.ctx?.save(...args),
    });
    this.element = el(
      'div',
      { class: 'tab-body' },
      el('p', { class: 'note', text: compare ? `${EXPLANATION} ${COMPARE_NOTE}` : EXPLANATION }),
      el('div', { class: 'controls' }, runPicker, this.pickerHost, this.computeLatest, this.computeInitial, this.cancelButton, this.logY.element),
      this.status,
      this.problemsNote,
      this.details,
      this.histogram.element,
      el('h2', { text: 'Cv and mean of q against batch size' }),
      this.cv.element,
      this.tableHost,
    );
  }

  private run(): number {
    const n = this.source.runLabels.length;
    return Math.min(Math.max(0, this.ctx?.ui.profileRun ?? 0), n - 1);
  }

  render(ctx: TabContext): void {
    this.ctx = ctx;
    const run = this.run();
    const profiles = this.source.profiles(run);
    const job = this.source.job(run);
    this.entry = selectProfile(profiles, ctx.ui.profileFile);
    this.renderPicker(run, profiles);

    const running = job?.state === 'running';
    this.computeLatest.toggleAttribute('disabled', running);
    this.computeInitial.toggleAttribute('disabled', running);
    this.cancelButton.hidden = !running;
    this.logY.set(ctx.ui.profileLogY);
    this.status.textContent = jobText(job) || (profiles.length === 0 ? 'No profile yet: compute one for the latest checkpoint or the initial model.' : '');
    this.status.hidden = this.status.textContent === '';
    this.status.classList.toggle('failed', job?.state === 'failed');

    const problems = this.source.problems(run);
    setChildren(this.problemsNote, ...problems.map((p) => el('div', { text: `Skipped ${p}` })));
    this.problemsNote.hidden = problems.length === 0;

    const profile = this.entry?.profile;
    this.details.textContent = profile ? detailsText(profile) : '';
    this.details.hidden = !profile;
    this.histogram.render(npcProfileHistogramSpec(profile, { logY: ctx.ui.profileLogY }), ctx.theme, null);
    this.cv.render(npcProfileCvSpec(profile), ctx.theme, null);
    const t = cvTable(profile);
    setChildren(
      this.tableHost,
      t.rows.length === 0
        ? null
        : el(
            'table',
            { class: 'comparison npc-profile-table' },
            el('caption', { text: 'q per batch size' }),
            el('thead', {}, el('tr', {}, ...t.header.map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
            el('tbody', {}, ...t.rows.map((r) => el('tr', {}, el('th', { text: r[0], attrs: { scope: 'row' } }), ...r.slice(1).map((c) => el('td', { text: c }))))),
          ),
    );
  }

  /** The profile list changes only when profiles arrive: rebuild the dropdown then, not on every frame. */
  private renderPicker(run: number, profiles: readonly NpcProfileEntry[]): void {
    const key = `${run}:${profiles.map((p) => p.file).join('|')}`;
    if (key !== this.pickerKey) {
      this.pickerKey = key;
      this.picker =
        profiles.length > 0
          ? dropdown({
              ariaLabel: 'Profile',
              options: profiles.map((p) => ({ value: p.file, label: profileLabel(p) })),
              value: this.entry?.file ?? profiles[0].file,
              onChange: (profileFile) => this.ctx?.updateUi({ profileFile }),
            })
          : undefined;
      setChildren(this.pickerHost, this.picker?.element);
    } else if (this.entry) {
      this.picker?.set(this.entry.file);
    }
  }
}

function detailsText(p: NonNullable<NpcProfileEntry['profile']>): string {
  const parts = [`${modelLabel(p.model)}`, `τ ${formatNumber(p.temperature)}`, `${p.batches} sampled batch${p.batches === 1 ? '' : 'es'} per size`, `seed ${p.seed}`, `computed ${p.createdAt.replace('T', ' ').slice(0, 16)} UTC`];
  const skipped = p.skipped.map((s) => `B = ${s.batchSize} skipped (${s.reason})`);
  return [...parts, ...skipped].join(' · ');
}
