/**
 * One trainer child process: started with `child_process.fork` so it gets an IPC channel, its output
 * split into lines for the log, the last stderr lines kept for the crash report, and a stop that asks
 * politely (IPC `stop`, or SIGTERM without IPC) and kills after a timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ChildToHost, HostToChild } from '../../shared/protocol';

export interface TrainerLaunch {
  /** The trainer script: `<extension>/dist/trainer.js`, or a test double following the same contract. */
  trainerPath: string;
  /** The Node.js executable that runs it. */
  execPath: string;
  runDir: string;
  /** Continue the run from its latest checkpoint (the trainer's --resume) instead of starting it. */
  resume?: boolean;
  /** Working folder: relative paths in config.json (dataDir) resolve against it. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** How many stderr lines to keep for the crash report. */
  stderrLines?: number;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started at all (bad Node path, missing script). */
  spawnError?: Error;
  stopRequested: boolean;
  /** The stop timeout passed and the process was killed. */
  killedAfterTimeout: boolean;
  stderrTail: string[];
}

export type TrainerOutput = { stream: 'stdout' | 'stderr'; line: string };

/** Splits a byte stream into lines, holding back a partial last line until it completes. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p);
  }
  flush(): void {
    if (this.rest) this.onLine(this.rest);
    this.rest = '';
  }
}

export class TrainerProcess {
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private stopRequested = false;
  private killedAfterTimeout = false;
  private killTimer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    launch: TrainerLaunch,
    private readonly onMessage: (message: ChildToHost) => void,
    private readonly onOutput: (output: TrainerOutput) => void,
  ) {
    const keep = launch.stderrLines ?? 20;
    this.child = fork(launch.trainerPath, ['--run-dir', launch.runDir, ...(launch.resume ? ['--resume'] : [])], {
      execPath: launch.execPath,
      cwd: launch.cwd,
      env: launch.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // fork() would pass on this process's flags (the editor's --inspect ports, Electron switches).
      execArgv: [],
    });
    const stdout = new LineSplitter((line) => this.onOutput({ stream: 'stdout', line }));
    const stderr = new LineSplitter((line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > keep) this.stderrTail.shift();
      this.onOutput({ stream: 'stderr', line });
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
    this.child.on('message', (m: unknown) => {
      if (isChildToHost(m)) this.onMessage(m);
    });

    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        if (this.done) return;
        this.done = true;
        if (this.killTimer) clearTimeout(this.killTimer);
        stdout.flush();
        stderr.flush();
        resolve({ code, signal, spawnError, stopRequested: this.stopRequested, killedAfterTimeout: this.killedAfterTimeout, stderrTail: [...this.stderrTail] });
      };
      // 'close' (not 'exit') waits for stdout/stderr to drain, so the tail holds the last words.
      this.child.on('close', (code, signal) => finish(code, signal));
      this.child.on('error', (err) => {
        // 'error' without a pid means the spawn failed; with a pid it is a failed kill/send: keep waiting.
        if (this.child.pid === undefined) finish(null, null, err);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /**
   * Asks the trainer to stop after its current step (it then checkpoints and writes `stopped`), and
   * kills it if it has not exited after `timeoutMs`. Resolves when the process is gone.
   */
  stop(timeoutMs: number): Promise<TrainerExit> {
    if (this.done || this.stopRequested) return this.exited;
    this.stopRequested = true;
    const message: HostToChild = { type: 'stop' };
    let asked = false;
    if (this.child.connected) {
      try {
        asked = this.child.send(message);
      } catch {
        asked = false;
      }
    }
    if (!asked) this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => {
      if (this.done) return;
      this.killedAfterTimeout = true;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    return this.exited;
  }

  /** Immediate kill (extension shutdown after the polite stop timed out, tests). */
  kill(): void {
    if (!this.done) this.child.kill('SIGKILL');
  }
}

function isChildToHost(m: unknown): m is ChildToHost {
  if (typeof m !== 'object' || m === null) return false;
  return (m as { type?: unknown }).type === 'flushed';
}
