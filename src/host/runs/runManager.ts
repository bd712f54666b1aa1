/**
 * Starts, queues and stops trainer processes. A new run's folder is created at once (so it is listed as
 * queued), and its trainer is launched when fewer than `maxConcurrent` runs of this window are active.
 * When a trainer exits, the manager records what the trainer could not (a crash, a kill) in status.json
 * and starts the next queued run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildToHost, RunConfig } from '../../shared/protocol';
import { Emitter } from '../util/emitter';
import { exitOutcome, type ExitOutcome } from './exitOutcome';
import { createRunFolder, markEnded, readStatus } from './runFiles';
import { TrainerProcess, type TrainerExit, type TrainerOutput } from './trainerProcess';

export interface RunManagerOptions {
  /** Path of the trainer script (dist/trainer.js, or a test double). */
  trainerPath: string;
  /** The following are read at each launch or stop, so setting changes apply to the next one. */
  execPath: () => string;
  maxConcurrent: () => number;
  stopTimeoutMs: () => number;
  /** Folder relative paths in configs resolve against (the workspace folder). */
  cwd: () => string;
  env?: () => NodeJS.ProcessEnv;
}

export type RunManagerEvent =
  | { kind: 'queued'; runDir: string }
  | { kind: 'launched'; runDir: string; pid: number | undefined }
  | { kind: 'stopping'; runDir: string }
  | { kind: 'ended'; runDir: string; outcome: ExitOutcome; exit?: TrainerExit };

export interface RunOutput extends TrainerOutput {
  runDir: string;
}

export interface TrainerMessage {
  runDir: string;
  message: ChildToHost;
}

export class RunManager {
  private readonly queue: string[] = [];
  /** Queued runs to be launched with --resume (continue from the checkpoint) rather than from the start. */
  private readonly resuming = new Set<string>();
  private readonly active = new Map<string, TrainerProcess>();
  /** Runs being finalized after their process exited (still ours until status.json is final). */
  private readonly ending = new Set<string>();
  private readonly changes = new Emitter<RunManagerEvent>();
  private readonly outputs = new Emitter<RunOutput>();
  private readonly messages = new Emitter<TrainerMessage>();
  private disposed = false;

  readonly onDidChange = this.changes.event;
  readonly onOutput = this.outputs.event;
  readonly onTrainerMessage = this.messages.event;

  constructor(private readonly options: RunManagerOptions) {}

  /** Creates the run folder under `runsRoot` and queues the run; resolves with the folder's path. */
  async start(config: RunConfig, runsRoot: string): Promise<string> {
    if (this.disposed) throw new Error('the run manager has shut down');
    const runDir = path.resolve(await createRunFolder(runsRoot, config));
    this.queue.push(runDir);
    this.changes.fire({ kind: 'queued', runDir });
    this.pump();
    return runDir;
  }

  /**
   * Queues an existing stopped, failed or interrupted run to continue from its latest checkpoint in the same
   * folder (the caller checks it is resumable: resumeCheck.ts; the trainer checks again and refuses otherwise).
   */
  resume(runDir: string): void {
    if (this.disposed) throw new Error('the run manager has shut down');
    const dir = path.resolve(runDir);
    if (this.isOwned(dir)) throw new Error(`${dir} is already queued or running in this window`);
    this.resuming.add(dir);
    this.queue.push(dir);
    this.changes.fire({ kind: 'queued', runDir: dir });
    this.pump();
  }

  /** Whether this manager queued or runs `runDir` (such runs are never shown as interrupted). */
  isOwned = (runDir: string): boolean => {
    const dir = path.resolve(runDir);
    return this.active.has(dir) || this.queue.includes(dir) || this.ending.has(dir);
  };

  activeRuns(): string[] {
    return [...this.active.keys()];
  }

  queuedRuns(): string[] {
    return [...this.queue];
  }

  pidOf(runDir: string): number | undefined {
    return this.active.get(path.resolve(runDir))?.pid;
  }

  /**
   * Stops a run of this window: a queued one is taken out of the queue and marked stopped; a running one
   * is asked to stop and killed after the stop timeout. Resolves once its final status is written.
   * Returns false when the run is not one of ours.
   */
  async stop(runDir: string): Promise<boolean> {
    const dir = path.resolve(runDir);
    const queued = this.queue.indexOf(dir);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      if (this.resuming.delete(dir)) {
        // Its folder still holds the state it was resumed from: nothing to write.
        this.changes.fire({ kind: 'ended', runDir: dir, outcome: { state: 'stopped' } });
        return true;
      }
      this.ending.add(dir);
      try {
        await markEnded(dir, 'stopped', 'stopped while waiting in the queue; it never started');
      } finally {
        this.ending.delete(dir);
      }
      this.changes.fire({ kind: 'ended', runDir: dir, outcome: { state: 'stopped' } });
      return true;
    }
    const proc = this.active.get(dir);
    if (!proc) return false;
    this.changes.fire({ kind: 'stopping', runDir: dir });
    await proc.stop(this.options.stopTimeoutMs());
    await this.whenEnded(dir);
    return true;
  }

  /** Launches queued runs while there is a free slot. Call again when maxConcurrent grows. */
  pump(): void {
    while (!this.disposed && this.queue.length > 0 && this.active.size < Math.max(1, this.options.maxConcurrent())) {
      this.launch(this.queue.shift() as string);
    }
  }

  /**
   * Stops every active run (extension shutdown), waiting at most the stop timeout plus a little for the
   * kill. Queued runs stay queued on disk and show as interrupted in the next window.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.queue.length = 0;
    await Promise.all([...this.active.keys()].map((dir) => this.stop(dir).catch(() => false)));
    this.changes.dispose();
    this.outputs.dispose();
    this.messages.dispose();
  }

  private readonly endWaiters = new Map<string, Array<() => void>>();

  private whenEnded(dir: string): Promise<void> {
    if (!this.active.has(dir) && !this.ending.has(dir)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.endWaiters.get(dir) ?? [];
      list.push(resolve);
      this.endWaiters.set(dir, list);
    });
  }

  private launch(runDir: string): void {
    const resume = this.resuming.delete(runDir);
    const execPath = this.options.execPath();
    const { trainerPath } = this.options;
    if (!fs.existsSync(trainerPath)) {
      void this.finish(runDir, undefined, {
        state: 'failed',
        write: { state: 'failed', error: `the trainer ${trainerPath} is missing: build the extension (npm run build) or reinstall it` },
        error: `the trainer ${trainerPath} is missing: build the extension (npm run build) or reinstall it`,
      });
      return;
    }
    const output = (o: TrainerOutput): void => this.outputs.fire({ runDir, ...o });
    const proc = new TrainerProcess(
      {
        trainerPath,
        execPath,
        runDir,
        resume,
        cwd: this.options.cwd(),
        // The editor's runtime is Electron: without this flag it would start a second editor, not Node.
        env: { ...(this.options.env?.() ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      },
      (message) => this.messages.fire({ runDir, message }),
      output,
    );
    this.active.set(runDir, proc);
    this.changes.fire({ kind: 'launched', runDir, pid: proc.pid });
    void proc.exited.then(async (exit) => {
      const status = await readStatus(runDir);
      await this.finish(runDir, exit, exitOutcome(exit, status, execPath, resume));
    });
  }

  private async finish(runDir: string, exit: TrainerExit | undefined, outcome: ExitOutcome): Promise<void> {
    this.ending.add(runDir);
    this.active.delete(runDir);
    try {
      if (outcome.write) await markEnded(runDir, outcome.write.state, outcome.write.error);
    } catch (e) {
      this.outputs.fire({ runDir, stream: 'stderr', line: `cannot write the final status of ${runDir}: ${(e as Error).message}` });
    } finally {
      this.ending.delete(runDir);
    }
    this.changes.fire({ kind: 'ended', runDir, outcome, exit });
    for (const resolve of this.endWaiters.get(runDir) ?? []) resolve();
    this.endWaiters.delete(runDir);
    this.pump();
  }
}
