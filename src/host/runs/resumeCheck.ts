/**
 * Which runs the Runs view offers to resume, and why one cannot be, checked before launching so that a run that
 * cannot continue is explained and left as it is (the trainer checks again: a race ends in EXIT_RESUME_REFUSED).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILES, type RunState } from '../../shared/protocol';
import type { RunSnapshot } from './runStore';

/** `interrupted`: status.json says running but its trainer is gone (killed, crashed, machine restarted). */
export const RESUMABLE_STATES: readonly RunState[] = ['stopped', 'failed', 'interrupted'];

export const isResumable = (run: Pick<RunSnapshot, 'state'>): boolean => RESUMABLE_STATES.includes(run.state);

/** Why `run` cannot be resumed, as the end of "Cannot resume …: <reason>", or undefined when it can. */
export async function resumeRefusal(run: Pick<RunSnapshot, 'runDir' | 'state' | 'status'>): Promise<string | undefined> {
  if (!isResumable(run)) return `it is ${run.state}; only ${RESUMABLE_STATES.join(', ')} runs can be resumed`;
  if (!run.status || run.status.state === 'queued') return 'it never started; use Rerun to start it';
  const infoFile = path.join(run.runDir, RUN_FILES.checkpoints, 'latest', 'checkpoint.json');
  let info: { resume?: unknown };
  try {
    info = JSON.parse(await fs.readFile(infoFile, 'utf8')) as { resume?: unknown };
  } catch {
    return 'it has no checkpoint yet (the first is written at the end of epoch 1 or at a stop); use Rerun to start it again';
  }
  if (!info.resume) return 'its checkpoint holds only the weights (written before resume existed); use Rerun to start it again';
  return undefined;
}
