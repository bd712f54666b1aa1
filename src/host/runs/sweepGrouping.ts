/**
 * Runs of one sweep (same `config.sweepId`) shown under one item, with a summary of where its runs are.
 * Plain data so the wording is unit-tested without VS Code.
 */
import type { RunState } from '../../shared/protocol';
import { sweepField, variedFields } from '../../shared/sweepGrid';
import type { RunSnapshot } from './runStore';

export interface SweepGroup {
  sweepId: string;
  /** Newest first, as the store lists them. */
  runs: RunSnapshot[];
  counts: Record<RunState, number>;
  /** ISO time of its newest run (for sorting among runs by date). */
  createdAt: string;
}

const emptyCounts = (): Record<RunState, number> => ({ queued: 0, running: 0, finished: 0, stopped: 0, failed: 0, interrupted: 0 });

/** Sweeps (newest first) and the runs that belong to none, in their input order. */
export function groupSweeps(runs: readonly RunSnapshot[]): { sweeps: SweepGroup[]; loose: RunSnapshot[] } {
  const sweeps = new Map<string, SweepGroup>();
  const loose: RunSnapshot[] = [];
  for (const run of runs) {
    const id = typeof run.config?.sweepId === 'string' && run.config.sweepId ? run.config.sweepId : undefined;
    if (!id) {
      loose.push(run);
      continue;
    }
    let group = sweeps.get(id);
    if (!group) sweeps.set(id, (group = { sweepId: id, runs: [], counts: emptyCounts(), createdAt: run.createdAt }));
    group.runs.push(run);
    group.counts[run.state]++;
    if (run.createdAt > group.createdAt) group.createdAt = run.createdAt;
  }
  return { sweeps: [...sweeps.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.sweepId.localeCompare(a.sweepId)), loose };
}

/** `3 done · 1 running · 2 queued · 1 failed`: finished counts as done; stopped and interrupted when present. */
export function sweepSummary(group: SweepGroup): string {
  const c = group.counts;
  const parts = [`${c.finished} done`, `${c.running} running`, `${c.queued} queued`, `${c.failed} failed`];
  if (c.stopped) parts.push(`${c.stopped} stopped`);
  if (c.interrupted) parts.push(`${c.interrupted} interrupted`);
  return parts.join(' · ');
}

/** The label: `Sweep dcl, dclw × b64, 128 × τ 0.05, 0.2 × 3 seeds` from its runs' configs (other fields where they differ), else the id. */
export function sweepLabel(group: SweepGroup): string {
  const configs = group.runs.flatMap((r) => (r.config ? [r.config] : []));
  if (!configs.length) return `Sweep ${group.sweepId}`;
  const losses = [...new Set(configs.map((c) => c.loss))];
  const batches = [...new Set(configs.map((c) => c.batchSize))].sort((a, b) => a - b);
  const varied = variedFields(configs).map((a) => `${sweepField(a.field).label} ${a.values.join(', ')}`);
  const seeds = new Set(configs.map((c) => c.seed)).size;
  return ['Sweep ' + losses.join(', '), `b${batches.join(', ')}`, ...varied, `${seeds} seed${seeds === 1 ? '' : 's'}`].join(' × ');
}

/** Whether any run of the sweep still waits or trains. */
export const sweepActive = (group: SweepGroup): boolean => group.counts.running + group.counts.queued > 0;
