/** The two orders of the Runs view: grouped by state, or one list by date. */
import type { RunState } from '../../shared/protocol';
import type { RunSnapshot } from './runStore';

export type RunsViewMode = 'state' | 'date';

/** Group order: what needs attention (active, then problems) before the archive. */
export const STATE_GROUP_ORDER: readonly RunState[] = ['running', 'queued', 'failed', 'interrupted', 'stopped', 'finished'];

export interface RunGroup {
  state: RunState;
  runs: RunSnapshot[];
}

/** Non-empty groups in STATE_GROUP_ORDER; each group keeps the input order (newest first from the store). */
export function groupByState(runs: readonly RunSnapshot[]): RunGroup[] {
  return STATE_GROUP_ORDER.map((state) => ({ state, runs: runs.filter((r) => r.state === state) })).filter((g) => g.runs.length > 0);
}

/** Newest first; ties (same second) by folder name, which ends with a counter. */
export function sortByDate(runs: readonly RunSnapshot[]): RunSnapshot[] {
  return [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.runId.localeCompare(a.runId));
}
