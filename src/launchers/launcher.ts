/**
 * How a trainer process gets started. The trainer and its run folder are the same everywhere
 * (docs/CONTRACT.md); a launcher only decides where `node dist/trainer.js --run-dir DIR` runs:
 * `local` as child processes of this machine, `slurm` as one job array on a cluster. Plain Node
 * (child_process, fs) so the CLI and the extension host share it.
 */
import type { RunStatus } from '../shared/protocol';

export type LauncherKind = 'local' | 'slurm';
export const LAUNCHER_KINDS: readonly LauncherKind[] = ['local', 'slurm'];

/** How to run the trainer, as the machine that runs it sees things. */
export interface TrainerInvocation {
  /** Absolute path of dist/trainer.js. */
  trainerPath: string;
  /** Node.js 20+ executable. */
  nodePath: string;
  /** Folder the trainer starts in (relative dataDir values resolve against it). */
  cwd: string;
  /** Extra environment variables for the trainer. */
  env?: Record<string, string>;
}

/** One run that has ended, as `wait` reports it. */
export interface RunEnd {
  runDir: string;
  status?: RunStatus;
  /** Launcher-specific words: the exit code and last stderr line, or the Slurm state. */
  detail?: string;
}

export interface LaunchedRuns {
  readonly kind: LauncherKind;
  readonly runDirs: readonly string[];
  /** For people: "3 local processes, 2 at a time" or "Slurm job 42 (array 0-2%2)". */
  readonly description: string;
  /** Resolves once every run has ended and its status.json is final; `onEnd` is called once per run. */
  wait(options?: { pollMs?: number; onEnd?: (end: RunEnd) => void; onProblem?: (message: string) => void }): Promise<RunEnd[]>;
  /**
   * Stops the given runs (default: all) that are still queued or running; resolves once asked. `why` is the reason
   * recorded for runs that had not started (local: they end `stopped` with it).
   */
  cancel(runDirs?: readonly string[], why?: string): Promise<void>;
}

export interface LaunchOptions {
  concurrency: number;
  name: string;
  /** What each run trains, e.g. `loss=dcl temperature=0.05 seed=0` (the Slurm script lists them per array task). */
  runLabels?: readonly string[];
}

export interface Launcher {
  readonly kind: LauncherKind;
  /**
   * Starts the trainer on each run folder (which holds config.json and a `queued` status.json), at most
   * `concurrency` at once. When the launch fails, the run folders are deleted and the promise rejects with
   * a message that quotes the cause: nothing is left half-created.
   */
  launch(runDirs: readonly string[], options: LaunchOptions): Promise<LaunchedRuns>;
}
