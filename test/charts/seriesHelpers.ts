/** Builds webview-side run data from events, the way the host and webview do it together. */
import { encodeEvents } from '../../src/host/charts/encodeEvents';
import type { RunEvent } from '../../src/shared/protocol';
import { chartRun, type ChartRun } from '../../webview/charts/data/chartRun';
import { RunSeries } from '../../webview/charts/data/runSeries';
import { CHARTS_FIXTURE, fixtureConfig, fixtureEvents, type FixtureRunOptions } from './fixtureRun';

export function seriesFromEvents(events: readonly RunEvent[]): RunSeries {
  const s = new RunSeries();
  s.reset(encodeEvents(events));
  return s;
}

export function fixtureChartRun(overrides: Partial<FixtureRunOptions> = {}, label = 'run'): ChartRun {
  const o = { ...CHARTS_FIXTURE, ...overrides };
  return chartRun(seriesFromEvents(fixtureEvents(o)), label, fixtureConfig(o));
}
