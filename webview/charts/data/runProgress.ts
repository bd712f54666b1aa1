/** The live facts the header shows for a run: its state, where it is, how fast it goes. */
import type { ChartRunInfo } from '../../../src/shared/chartsMessages';
import type { RunState } from '../../../src/shared/protocol';
import type { RunSeries } from './runSeries';
import { runTiming } from './xAxis';

export interface RunProgress {
  state: RunState | 'unknown';
  step: number | null;
  totalSteps: number | null;
  /** Fractional epoch of the latest step. */
  epoch: number | null;
  epochs: number | null;
  /** Mean of the last few logged throughputs (single readings jitter with GC and evaluation pauses). */
  imagesPerSecond: number | null;
  lr: number | null;
  backend: string | null;
  backendDetails: string[];
  /** Why the run failed or stopped, when it says. */
  reason: string | null;
}

const THROUGHPUT_WINDOW = 10;

/**
 * status.json is the authority on state (the run manager marks crashed runs `interrupted` there), except
 * that the event log may already hold the end of a run whose status file has not been rewritten yet.
 */
export function runState(info: ChartRunInfo, series: RunSeries): RunState | 'unknown' {
  const ending = series.ending;
  const fromStatus = info.status?.state;
  if (fromStatus && !(ending && (fromStatus === 'running' || fromStatus === 'queued'))) return fromStatus;
  if (ending) return ending.type;
  if (series.started) return 'running';
  return fromStatus ?? 'unknown';
}

function last(values: ArrayLike<number>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return values[i];
  return null;
}

export function runProgress(info: ChartRunInfo, series: RunSeries): RunProgress {
  const steps = series.steps;
  const started = series.started;
  const timing = runTiming(series);
  // Steps are logged every logEvery steps; the end of a run (a stop between two logs) and status.json can be later.
  const known = [last(steps.step), info.status?.step, series.ending?.step].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const step = known.length ? Math.max(...known) : null;
  let ips = 0;
  let n = 0;
  for (let i = steps.imagesPerSecond.length - 1; i >= 0 && n < THROUGHPUT_WINDOW; i--) {
    const v = steps.imagesPerSecond[i];
    if (Number.isFinite(v) && v > 0) {
      ips += v;
      n++;
    }
  }
  const ending = series.ending;
  const backend = info.status?.backend ?? started?.backend;
  return {
    state: runState(info, series),
    step,
    totalSteps: started?.totalSteps ?? info.status?.totalSteps ?? null,
    epoch: step !== null && timing.stepsPerEpoch ? step / timing.stepsPerEpoch : (info.status?.epoch ?? null),
    epochs: started?.config.epochs ?? info.config?.epochs ?? null,
    imagesPerSecond: n > 0 ? ips / n : null,
    lr: last(steps.lr),
    backend: backend?.name ?? null,
    backendDetails: backend?.details ?? [],
    reason: ending && ending.type !== 'finished' ? ending.reason : (info.status?.error ?? null),
  };
}
