/**
 * How a run looks in the Runs view and the status bar: label, icon, one-line description and tooltip.
 * Plain strings (the tooltip is Markdown source) so the wording is unit-tested without VS Code.
 */
import type { RunConfig, RunState } from '../../shared/protocol';
import { runLabel as sharedRunLabel } from '../../shared/runConfig';
import type { RunSnapshot } from './runStore';

/** config.name, else `dcl · b256 · τ0.1` (the CLI's label); the folder name when there is no readable config. */
export function runLabel(config: RunConfig | undefined, runId: string): string {
  if (!config) return runId;
  // config.json is user-editable: a non-string name must not break the list.
  return sharedRunLabel({ ...config, name: typeof config.name === 'string' ? config.name : undefined });
}

/** Codicon id per state (`sync~spin` animates). */
export const STATE_ICONS: Record<RunState, string> = {
  queued: 'clock',
  running: 'sync~spin',
  finished: 'pass',
  stopped: 'debug-stop',
  failed: 'error',
  interrupted: 'warning',
};

/** Theme color id per state, so failures stand out without reading the icon. */
export const STATE_COLORS: Partial<Record<RunState, string>> = {
  finished: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  interrupted: 'list.warningForeground',
};

export const STATE_TITLES: Record<RunState, string> = {
  queued: 'Queued',
  running: 'Running',
  finished: 'Finished',
  stopped: 'Stopped',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

export const formatPercent = (fraction: number, digits = 0): string => `${(fraction * 100).toFixed(digits)}%`;

export function formatLoss(loss: number): string {
  return Math.abs(loss) >= 100 ? loss.toFixed(1) : loss.toFixed(3);
}

/** `42% · loss 4.812 · kNN 91.2%`: progress while running, then the latest loss, kNN and (once evaluated) linear top-1. */
export function runDescription(run: RunSnapshot): string {
  const parts: string[] = [];
  if ((run.state === 'running' || run.state === 'interrupted') && run.progress) parts.push(formatPercent(run.progress.fraction));
  if (run.metrics.loss !== undefined && Number.isFinite(run.metrics.loss)) parts.push(`loss ${formatLoss(run.metrics.loss)}`);
  else if (run.status?.final?.loss !== undefined) parts.push(`loss ${formatLoss(run.status.final.loss)}`);
  const knn = run.metrics.knnAccuracy ?? run.status?.final?.knnAccuracy;
  if (knn !== undefined) parts.push(`kNN ${formatPercent(knn, 1)}`);
  const linear = run.metrics.linearAccuracy ?? run.status?.final?.linearAccuracy;
  if (linear !== undefined) parts.push(`linear ${formatPercent(linear, 1)}`);
  if (parts.length === 0 && run.state === 'queued') parts.push('waiting to start');
  return parts.join(' · ');
}

/** The tree item's contextValue: menus in package.json match `dclRun.<state>`. */
export const runContextValue = (run: RunSnapshot): string => `dclRun.${run.state}`;

/** Escapes text for Markdown so a run name cannot inject links or formatting. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function codeBlock(language: string, text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

const when = (iso: string | undefined): string | undefined => {
  if (!iso) return undefined;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
};

/** Markdown for the tooltip: state, times, progress, results, backend and the full config. */
export function runTooltipMarkdown(run: RunSnapshot): string {
  const lines: string[] = [];
  lines.push(`**${escapeMarkdown(runLabel(run.config, run.runId))}** — ${STATE_TITLES[run.state]}`);
  lines.push('');
  lines.push(`Folder: \`${run.runId}\``);
  if (run.stateNote) lines.push(`\n$(warning) Shown as ${run.state}: ${escapeMarkdown(run.stateNote)}`);
  const facts: string[] = [];
  const created = when(run.createdAt);
  if (created) facts.push(`Created: ${created}`);
  const started = when(run.status?.startedAt);
  if (started) facts.push(`Started: ${started}`);
  const ended = when(run.status?.endedAt);
  if (ended) facts.push(`Ended: ${ended}`);
  if (run.progress) facts.push(`Step ${run.progress.step} of ${run.progress.totalSteps} (${formatPercent(run.progress.fraction)})`);
  if (run.metrics.loss !== undefined) facts.push(`Loss: ${formatLoss(run.metrics.loss)}`);
  if (run.metrics.knnAccuracy !== undefined) facts.push(`kNN accuracy: ${formatPercent(run.metrics.knnAccuracy, 2)}`);
  if (run.metrics.bestKnnAccuracy !== undefined) facts.push(`Best kNN accuracy: ${formatPercent(run.metrics.bestKnnAccuracy, 2)}`);
  if (run.metrics.linearAccuracy !== undefined) facts.push(`Linear evaluation top-1: ${formatPercent(run.metrics.linearAccuracy, 2)}`);
  if (facts.length) lines.push('', ...facts.map((f) => `- ${f}`));
  const error = run.status?.error ?? run.metrics.endReason;
  if (error) lines.push('', `${run.state === 'failed' ? 'Error' : 'Note'}: ${escapeMarkdown(error)}`);
  const backend = run.status?.backend ?? run.metrics.backend;
  if (backend) {
    lines.push('', `Backend: **${escapeMarkdown(backend.name)}** (TensorFlow.js ${escapeMarkdown(backend.tfjsVersion)})`);
    for (const d of backend.details) lines.push(`- ${escapeMarkdown(d)}`);
  }
  if (run.metrics.badLines.length) {
    const shown = run.metrics.badLines.slice(0, 10).join(', ');
    lines.push('', `$(warning) metrics.jsonl has ${run.metrics.badLines.length} unreadable line(s) (${shown}${run.metrics.badLines.length > 10 ? ', …' : ''}); they are skipped.`);
  }
  if (run.config) lines.push('', codeBlock('json', JSON.stringify(run.config, null, 2)));
  else if (run.configProblem) lines.push('', `$(warning) ${escapeMarkdown(run.configProblem)}`);
  if (run.statusProblem) lines.push('', `$(warning) ${escapeMarkdown(run.statusProblem)}`);
  return lines.join('\n');
}

/** Status bar: `$(sync~spin) DCL 2 running 35% · 1 queued`, or undefined when nothing is active. */
export function statusBarSummary(runs: readonly RunSnapshot[]): { text: string; tooltip: string } | undefined {
  const running = runs.filter((r) => r.state === 'running');
  const queued = runs.filter((r) => r.state === 'queued');
  if (running.length === 0 && queued.length === 0) return undefined;
  const withProgress = running.filter((r) => r.progress);
  const steps = withProgress.reduce((a, r) => a + (r.progress?.step ?? 0), 0);
  const total = withProgress.reduce((a, r) => a + (r.progress?.totalSteps ?? 0), 0);
  const parts: string[] = [];
  if (running.length) parts.push(`${running.length} running${total > 0 ? ` ${formatPercent(Math.min(1, steps / total))}` : ''}`);
  if (queued.length) parts.push(`${queued.length} queued`);
  const icon = running.length ? '$(sync~spin)' : '$(clock)';
  const rows = [...running, ...queued].map((r) => {
    const p = r.progress ? ` — step ${r.progress.step}/${r.progress.totalSteps} (${formatPercent(r.progress.fraction)})` : '';
    return `${runLabel(r.config, r.runId)}: ${r.state}${p}`;
  });
  return { text: `${icon} DCL ${parts.join(' · ')}`, tooltip: `${rows.join('\n')}\n\nClick to show the DCL runs.` };
}
