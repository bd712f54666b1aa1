/** Names of the Slurm files inside a run folder and next to a submission (see slurmLauncher.ts). */
import * as path from 'node:path';

export const SLURM_FILES = {
  /** The job's stdout / stderr, written by Slurm into the run folder (through the task link). */
  out: 'slurm.out',
  err: 'slurm.err',
  /** Written before DCL Explorer cancels a job, so the cancel reads as `stopped`, not as a scheduler kill. */
  cancelMarker: 'slurm-cancel-requested',
} as const;

/** `<runsRoot>/.slurm/<name>/`: dot-named, so the run list does not show it as a run. */
export const submissionDir = (runsRoot: string, name: string): string => path.join(runsRoot, '.slurm', name);
