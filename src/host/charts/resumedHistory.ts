/**
 * A resumed run's metrics.jsonl holds, before each `resumed` event, the steps its previous process logged past the
 * checkpoint; the resumed process trains them again. The charts show the history the run's weights went through:
 * those superseded points are dropped, so each curve stays ordered by step and continues from the checkpoint.
 */
import type { RunEvent } from '../../shared/protocol';

/** Events that are points on a curve at their step, superseded when a resume goes back before them. */
const POINTS = new Set<RunEvent['type']>(['step', 'npc', 'knn', 'epoch']);

export function withoutSupersededSteps(events: readonly RunEvent[]): RunEvent[] {
  // Walk backwards: a resume at step j supersedes the points logged before it (in the file) past j.
  const out: RunEvent[] = [];
  let resumedAt = Infinity;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'resumed') resumedAt = Math.min(resumedAt, e.step);
    else if (POINTS.has(e.type) && e.step > resumedAt) continue;
    out.push(e);
  }
  return out.reverse();
}

export const hasResume = (events: readonly RunEvent[]): boolean => events.some((e) => e.type === 'resumed');
