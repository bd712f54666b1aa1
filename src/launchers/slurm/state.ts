/**
 * Slurm job states → the run states DCL Explorer shows, with the words users see for a job the
 * scheduler ended. A user's own cancel is `stopped`; anything the scheduler decided (time limit,
 * preemption, node failure, an administrator's cancel) is `failed` with the reason.
 */
import type { RunState } from '../../shared/protocol';

export type SlurmPhase = 'pending' | 'running' | 'ended';

const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'POWER_UP_NODE', 'UPDATE_DB']);

/** Where a job is in its life; an unknown state counts as still running (never end a run on a guess). */
export function slurmPhase(state: string): SlurmPhase {
  if (PENDING.has(state)) return 'pending';
  if (RUNNING.has(state)) return 'running';
  return ENDED_WORDS[state] !== undefined || state === 'COMPLETED' ? 'ended' : 'running';
}

const ENDED_WORDS: Record<string, string> = {
  FAILED: 'the job failed',
  CANCELLED: 'the job was cancelled',
  TIMEOUT: 'the job reached its time limit',
  PREEMPTED: 'the job was preempted by the scheduler',
  NODE_FAIL: 'the node running the job failed',
  BOOT_FAIL: 'the node could not boot for the job',
  DEADLINE: 'the job reached its deadline',
  OUT_OF_MEMORY: 'the job ran out of memory (Slurm memory limit)',
  SPECIAL_EXIT: 'the job ended in a special exit state',
  REVOKED: 'the job was revoked (federation)',
};

export interface EndedJob {
  /** Slurm's state, e.g. TIMEOUT. */
  state: string;
  reason?: string;
  exitCode?: number;
  exitSignal?: number;
}

/** The final run state and message for a job that has ended, before looking at what the trainer wrote. */
export function endedRunState(job: EndedJob, userCancelled: boolean): { state: Extract<RunState, 'finished' | 'stopped' | 'failed'>; message?: string } {
  if (job.state === 'COMPLETED') return { state: 'finished' };
  if (job.state === 'CANCELLED' && userCancelled) return { state: 'stopped', message: 'cancelled with scancel at your request' };
  const words = ENDED_WORDS[job.state] ?? `the job ended in Slurm state ${job.state}`;
  const detail = [
    job.state === 'CANCELLED' ? 'by the scheduler or an administrator, not from DCL Explorer' : undefined,
    job.reason ? `reason: ${job.reason}` : undefined,
    job.exitCode !== undefined && (job.exitCode !== 0 || job.exitSignal) ? `exit code ${job.exitCode}${job.exitSignal ? `, signal ${job.exitSignal}` : ''}` : undefined,
  ].filter(Boolean);
  return { state: 'failed', message: `${words}${detail.length ? ` (${detail.join('; ')})` : ''}` };
}
