/**
 * What every part of a training run shares: the run folder, the hooks of whoever started it, and the progress
 * counters that stamp every event. Events and log lines leave the run only through here.
 */
import type { RunEvent, RunState } from '../../shared/protocol';
import type { FailureContext } from '../fatalErrors';
import type { RunFolder } from '../runFolder';
import { TensorBoardEventFile } from '../tensorboard/eventFile';

export interface TrainHooks {
  /** Every event, after it is on disk (IPC, progress bars). */
  onEvent?: (event: RunEvent) => void;
  onLog?: (line: string) => void;
  /** Polled after every step: true finishes the step, checkpoints and ends the run as `stopped`. */
  shouldStop?: () => boolean;
  /** What asked for the stop (SIGHUP, stderr closed …), for the `stopped` reason. */
  stopWhy?: () => string | undefined;
  /** Test hook: make the loss non-finite at this step to exercise the failure path. */
  injectNonFiniteAtStep?: number;
  /** Test hook: throw the wasm runtime's heap-exhausted abort at this step, to exercise its explanation. */
  injectRuntimeAbortAtStep?: number;
}

export interface TrainResult {
  state: Extract<RunState, 'finished' | 'stopped' | 'failed'>;
  error?: string;
  loss?: number;
  knnAccuracy?: number;
  linearAccuracy?: number;
}

/** An event as the loop writes it: the progress fields and the time are filled in by `emit`. */
export type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'step' | 'epoch' | 'time'> : never) : never;

export class RunContext {
  step = 0;
  epoch = 0;
  /** What a fatal runtime error is explained with, filled in as it becomes known. */
  readonly failure: Omit<FailureContext, 'step'> = {};
  /** The same events as TensorBoard scalars and histograms, beside metrics.jsonl. */
  readonly tensorboard: TensorBoardEventFile;
  constructor(
    readonly folder: RunFolder,
    readonly hooks: TrainHooks,
  ) {
    this.tensorboard = new TensorBoardEventFile(folder.dir);
  }

  emit(event: EventBody): void {
    const full = { step: this.step, epoch: this.epoch, time: new Date().toISOString(), ...event };
    this.folder.appendEvent(full);
    this.tensorboard.write(full);
    this.hooks.onEvent?.(full);
  }

  log(line: string): void {
    this.folder.log(line);
    this.hooks.onLog?.(line);
  }

  /** Whether a stop was asked for; see TrainHooks.shouldStop. */
  stopRequested(): boolean {
    return this.hooks.shouldStop?.() ?? false;
  }

  /** The `stopped` reason: who asked, and the step the run ends at. */
  stopReason(): string {
    const why = this.hooks.stopWhy?.();
    return `stopped by request${why ? ` (${why})` : ''} at step ${this.step}`;
  }
}

/** The run's latest numbers: what status.json's `final`, the `finished` event and a checkpoint carry. */
export interface RunMetrics {
  lastLoss: number;
  lastKnn: number;
  bestKnn: number;
  /** Set by the in-run linear evaluation (eval.linear) after the last epoch. */
  linearAccuracy?: number;
}

/** status.json's `final` for these numbers (linearAccuracy only once measured, so older readers see no change). */
export function finalOf(m: RunMetrics): { loss: number; knnAccuracy: number; bestKnnAccuracy: number; linearAccuracy?: number } {
  return { loss: m.lastLoss, knnAccuracy: m.lastKnn, bestKnnAccuracy: m.bestKnn, ...(m.linearAccuracy !== undefined ? { linearAccuracy: m.linearAccuracy } : {}) };
}
