/**
 * The local launcher: one trainer child process per run folder on this machine, `concurrency` at a time
 * (a fresh TensorFlow.js per run). Stop is SIGTERM: the trainer finishes its step, checkpoints and writes
 * `stopped`. A trainer that dies without a final status gets one here, with its last stderr lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readRunStatus, TERMINAL, writeRunStatus } from './runStatusFile';
import type { LaunchedRuns, Launcher, RunEnd, TrainerInvocation } from './launcher';

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
  private readonly cancelled = new Set<string>();
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

  cancel(runDirs: readonly string[] = this.runDirs): Promise<void> {
    for (const dir of runDirs) {
      this.cancelled.add(dir);
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
      if (this.cancelled.has(runDir)) {
        const status = readRunStatus(runDir);
        if (status && status.state === 'queued') writeRunStatus(runDir, { ...status, state: 'stopped', endedAt: new Date().toISOString(), error: 'stopped before this run started' });
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
      stdio: ['ignore', 'ignore', 'pipe'],
      shell: false,
    });
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
        let status = readRunStatus(runDir);
        if (status && !TERMINAL.includes(status.state)) {
          // The trainer died before it could record why (crash, kill, missing Node): record it for it.
          status = { ...status, state: 'failed', endedAt: new Date().toISOString(), error: `the trainer ended without a final status (${detail})` };
          writeRunStatus(runDir, status);
        }
        resolve({ runDir, status, detail });
      });
    });
  }
}
