/**
 * Brings the status.json of Slurm runs in line with the scheduler. The trainer writes its own status
 * while it lives; this only writes once the scheduler says the job has ended (so it never races a live
 * trainer), recording what the trainer could not: a kill (time limit, preemption, node failure, cancel),
 * a crash before the trainer started (bad node path, module load), or the scheduler's state and reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../../shared/protocol';
import { fileTail, readRunStatus, TERMINAL, writeRunStatus } from '../runStatusFile';
import { queryJob, SlurmError, type SlurmJobInfo, type SlurmRunner } from './commands';
import { SLURM_FILES } from './files';
import { endedRunState, slurmPhase, type SlurmPhase } from './state';

export interface SlurmRunReport {
  runDir: string;
  /** What the scheduler says now; undefined when it no longer knows the job. */
  job?: SlurmJobInfo;
  phase: SlurmPhase | 'forgotten';
  /** status.json after this pass. */
  status?: RunStatus;
  /** Final: the job ended and status.json records it (nothing more will change). */
  settled: boolean;
  /** Why the scheduler could not be asked (the run is then left as it is). */
  problem?: string;
}

const isTerminal = (s: RunStatus | undefined): boolean => !!s && TERMINAL.includes(s.state);

/** The patch for a run whose job has ended, or undefined when status.json already says it all. */
export function finalStatus(status: RunStatus, job: SlurmJobInfo, userCancelled: boolean, stderrTail: string[], now = new Date()): RunStatus | undefined {
  if (isTerminal(status) && status.slurm?.state === job.state) return undefined;
  const verdict = endedRunState(job, userCancelled);
  const tail = stderrTail.length ? `; last output: ${stderrTail.join(' ⏎ ')}` : '';
  let state = verdict.state;
  let error: string | undefined = status.error;
  if (status.state === 'finished') {
    state = 'finished'; // it finished before the scheduler ended the job: the results are complete
    error = undefined;
  } else if (verdict.state === 'finished') {
    // COMPLETED: the batch script exited 0, so the trainer ended on its own; trust what it wrote.
    if (isTerminal(status)) state = status.state as typeof state;
    else {
      state = 'failed';
      error = `the Slurm job completed but the trainer wrote no final status${tail}`;
    }
  } else if (verdict.state === 'stopped') {
    error = status.state === 'stopped' ? status.error : verdict.message;
  } else if (job.state === 'FAILED' && status.state === 'failed' && status.error) {
    // The trainer caught the error and wrote it: its message is better than an exit code.
    error = status.error;
  } else {
    error = `${verdict.message}${status.error ? `; the trainer said: ${status.error}` : ''}${tail}`;
  }
  return {
    ...status,
    state,
    endedAt: status.endedAt ?? now.toISOString(),
    ...(error !== undefined ? { error } : {}),
    launcher: 'slurm',
    slurm: { ...(status.slurm ?? { jobId: job.jobId }), state: job.state, ...(job.reason ? { reason: job.reason } : {}) },
  };
}

function forgottenStatus(status: RunStatus, stderrTail: string[], now = new Date()): RunStatus {
  const tail = stderrTail.length ? `; last output: ${stderrTail.join(' ⏎ ')}` : '';
  return {
    ...status,
    state: 'failed',
    endedAt: now.toISOString(),
    error: `Slurm no longer knows job ${status.slurm?.jobId} and the trainer wrote no final status: the job was probably killed (time limit, node failure) after the controller forgot it; with accounting enabled, sacct tells why${tail}`,
    slurm: { ...(status.slurm as NonNullable<RunStatus['slurm']>), state: 'UNKNOWN' },
  };
}

const matches = (job: SlurmJobInfo, status: RunStatus): boolean => (status.slurm?.arrayTaskId === undefined ? job.arrayTaskId === undefined : job.arrayTaskId === status.slurm.arrayTaskId);

/** One pass over `runDirs` (Slurm runs; others are reported settled when terminal). One query per job id. */
export async function reconcileSlurmRuns(runDirs: string[], run: SlurmRunner): Promise<SlurmRunReport[]> {
  const statuses = runDirs.map((runDir) => ({ runDir, status: readRunStatus(runDir) }));
  const jobIds = [...new Set(statuses.flatMap(({ status }) => (status?.launcher === 'slurm' && status.slurm?.jobId ? [status.slurm.jobId] : [])))];
  const answers = new Map<string, SlurmJobInfo[] | Error>();
  for (const id of jobIds) {
    try {
      answers.set(id, await queryJob(run, id));
    } catch (e) {
      if (!(e instanceof SlurmError)) throw e;
      answers.set(id, e);
    }
  }
  return statuses.map(({ runDir, status }): SlurmRunReport => {
    const jobId = status?.launcher === 'slurm' ? status.slurm?.jobId : undefined;
    if (!status || !jobId) return { runDir, status, phase: 'forgotten', settled: isTerminal(status) };
    const answer = answers.get(jobId);
    if (answer instanceof Error) return { runDir, status, phase: 'running', settled: false, problem: answer.message };
    const job = answer?.find((j) => matches(j, status));
    const tail = () => fileTail(path.join(runDir, SLURM_FILES.err));
    if (!job) {
      if (isTerminal(status)) return { runDir, status, phase: 'forgotten', settled: true };
      const next = forgottenStatus(status, tail());
      writeRunStatus(runDir, next);
      return { runDir, status: next, phase: 'forgotten', settled: true };
    }
    const phase = slurmPhase(job.state);
    if (phase !== 'ended') return { runDir, job, status, phase, settled: false };
    const next = finalStatus(status, job, fs.existsSync(path.join(runDir, SLURM_FILES.cancelMarker)), tail());
    if (next) writeRunStatus(runDir, next);
    return { runDir, job, status: next ?? status, phase, settled: true };
  });
}
