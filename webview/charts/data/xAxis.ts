/**
 * The three x-axes a training curve can be read against. Epoch is fractional (step / steps-per-epoch) so
 * points inside an epoch spread out instead of stacking on the epoch number; wall time counts seconds from
 * the run's start so runs started on different days line up.
 */
import type { RunSeries } from './runSeries';

export type XAxisMode = 'step' | 'epoch' | 'time';
export const X_AXIS_MODES: readonly XAxisMode[] = ['step', 'epoch', 'time'];

export const X_AXIS_LABELS: Record<XAxisMode, string> = { step: 'step', epoch: 'epoch', time: 'wall time' };

export interface RunTiming {
  /** ms since the Unix epoch of the run's start; NaN when no event carried a time. */
  startMs: number;
  /** null when the run's `started` event (with total steps and epochs) has not been seen. */
  stepsPerEpoch: number | null;
}

export function runTiming(run: RunSeries): RunTiming {
  const started = run.started;
  let startMs = started ? Date.parse(started.time) : NaN;
  if (!Number.isFinite(startMs)) {
    // No started event (log written by an older trainer, or cut off): the earliest timed point stands in.
    startMs = Math.min(run.steps.time[0] ?? Infinity, run.npc.time[0] ?? Infinity, run.knn.time[0] ?? Infinity);
    if (!Number.isFinite(startMs)) startMs = NaN;
  }
  const epochs = started?.config?.epochs;
  const stepsPerEpoch = started && epochs && started.totalSteps > 0 ? started.totalSteps / epochs : null;
  return { startMs, stepsPerEpoch };
}

export interface TimedColumns {
  step: Float64Array;
  epoch: Float64Array;
  time: Float64Array;
}

export function xValues(mode: XAxisMode, cols: TimedColumns, timing: RunTiming): Float64Array {
  switch (mode) {
    case 'step':
      return cols.step;
    case 'epoch': {
      const spe = timing.stepsPerEpoch;
      if (spe === null) return cols.epoch;
      const out = new Float64Array(cols.step.length);
      for (let i = 0; i < out.length; i++) out[i] = cols.step[i] / spe;
      return out;
    }
    case 'time': {
      const out = new Float64Array(cols.time.length);
      for (let i = 0; i < out.length; i++) out[i] = (cols.time[i] - timing.startMs) / 1000;
      return out;
    }
  }
}
