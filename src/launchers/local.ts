/**
 * The local launcher: one trainer child process per run folder on this machine, `concurrency` at a time
 * (a fresh TensorFlow.js per run). Stop is SIGTERM: the trainer finishes its step, checkpoints and writes
 * `stopped`; runs not yet started end `stopped` with the reason given to cancel. A trainer that dies without a
 * final status gets one here, with its last stderr lines. Each trainer has an IPC channel to this process, so it
 * stops the same way (checkpoint, `stopped`) when this process goes away however it ends, even by SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { recordEnding } from '../runFolder/recordEnding';
import { readRunStatus } from './runStatusFile';
import type { LaunchedRuns, Launcher, RunEnd, TrainerInvocation } from './launcher';

/** The reason a run that never started records when the sweep is stopped without saying why. */
const NOT_STARTED = 'stopped before this run started';

export class LocalLauncher implements Launcher {
  readonly kind = 'local' as const;
  constructor(private readonly trainer: TrainerInvocation) {}

  launch(runDirs: readonly string[], options: { concurrency: number; name: string }): Promise<LaunchedRuns> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      return Promise.reject(new Error(`concurrency must be a whole number ≥ 1; got ${options.concurrency}`));
    }
    return Promise.resolve(new LocalRuns(this.trainer, [...runDirs], options.concurrency));
  }
}

class LocalRuns implements LaunchedRuns {
  readonly kind = 'local' as const;
  readonly description: string;
  private readonly running = new Map<string, ChildProcess>();
  /** Runs asked to stop, with the reason a run that had not started yet records. */
  private readonly cancelled = new Map<string, string>();
  private readonly ends: RunEnd[] = [];
  private next = 0;
  private onEnd: ((end: RunEnd) => void) | undefined;
  private readonly done: Promise<RunEnd[]>;

  constructor(
    private readonly trainer: TrainerInvocation,
    readonly runDirs: string[],
    concurrency: number,
  ) {
    this.description = `${runDirs.length} local trainer process${runDirs.length === 1 ? '' : 'es'}, ${concurrency} at a time`;
    const workers = Array.from({ length: Math.min(concurrency, runDirs.length) }, () => this.worker());
    this.done = Promise.all(workers).then(() => this.ends);
  }

  wait(options: { onEnd?: (end: RunEnd) => void } = {}): Promise<RunEnd[]> {
    this.onEnd = options.onEnd;
    for (const end of this.ends) options.onEnd?.(end); // those that ended before anyone waited
    return this.done;
  }

  cancel(runDirs: readonly string[] = this.runDirs, why = NOT_STARTED): Promise<void> {
    for (const dir of runDirs) {
      if (!this.cancelled.has(dir)) this.cancelled.set(dir, why);
      this.running.get(dir)?.kill('SIGTERM');
    }
    return Promise.resolve();
  }

  private record(end: RunEnd): void {
    this.ends.push(end);
    this.onEnd?.(end);
  }

  private async worker(): Promise<void> {
    while (this.next < this.runDirs.length) {
      const runDir = this.runDirs[this.next++];
      const why = this.cancelled.get(runDir);
      if (why !== undefined) {
        // Never `queued` forever: a run the stop came before says so (status.json; it has no metrics.jsonl yet).
        recordEnding(runDir, 'stopped', why);
        this.record({ runDir, status: readRunStatus(runDir), detail: 'stopped before it started' });
        continue;
      }
      this.record(await this.runOne(runDir));
    }
  }

  private runOne(runDir: string): Promise<RunEnd> {
    const child = spawn(this.trainer.nodePath, [this.trainer.trainerPath, '--run-dir', runDir], {
      cwd: this.trainer.cwd,
      env: { ...process.env, ...this.trainer.env, ELECTRON_RUN_AS_NODE: '1' },
      // The IPC channel closes when this process ends, however it ends: the trainer then stops (child.ts).
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      shell: false,
    });
    // Its doorbells (`flushed` after each event) are not needed here: the ends are read from status.json.
    child.on('message', () => undefined);
    this.running.set(runDir, child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    return new Promise((resolve) => {
      let spawnError: Error | undefined;
      child.on('error', (e) => (spawnError = e));
      child.on('close', (code, signal) => {
        this.running.delete(runDir);
        const last = stderr.trim().split('\n').filter((l) => !/^\s+at /.test(l)).at(-1)?.trim();
        const detail = spawnError ? `cannot start ${this.trainer.nodePath}: ${spawnError.message}` : `exit ${signal ?? code}${last ? `: ${last}` : ''}`;
        const why = this.cancelled.get(runDir);
        if (why !== undefined && readRunStatus(runDir)?.state === 'queued') {
          // Stopped before it opened its folder (the signal came while it was starting): it never started.
          recordEnding(runDir, 'stopped', why);
        } else {
          // The trainer died before it could record why (crash, kill, missing Node): record it for it.
          recordEnding(runDir, 'failed', `the trainer ended without a final status (${detail})`, { pid: child.pid });
        }
        resolve({ runDir, status: readRunStatus(runDir), detail });
      });
    });
  }
}
