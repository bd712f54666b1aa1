/** One run as the chart builders see it: its series, its legend label and how to place it on each x-axis. */
import type { LossKind } from '../../../src/shared/protocol';
import type { RunSeries } from './runSeries';
import { runTiming, type RunTiming } from './xAxis';

export interface ChartRun {
  series: RunSeries;
  label: string;
  timing: RunTiming;
  loss: LossKind | null;
  batchSize: number | null;
}

export function chartRun(series: RunSeries, label: string, config: { loss: LossKind; batchSize: number } | null): ChartRun {
  const started = series.started?.config;
  return {
    series,
    label,
    timing: runTiming(series),
    loss: config?.loss ?? started?.loss ?? null,
    batchSize: config?.batchSize ?? started?.batchSize ?? null,
  };
}
