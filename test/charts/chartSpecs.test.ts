import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeEvents } from '../../src/host/charts/encodeEvents';
import type { ChartRunInfo } from '../../src/shared/chartsMessages';
import type { StepEvent } from '../../src/shared/protocol';
import { boundedRange, type ChartSpec } from '../../webview/charts/data/chartSpec';
import { knnChartSpec, knnTable } from '../../webview/charts/data/knnChart';
import { dataView } from '../../webview/charts/data/svgChart';
import { plotOptions } from '../../webview/charts/plotOptions';
import type { Theme } from '../../webview/common/theme';
import { lossChartSpec, lossTable } from '../../webview/charts/data/lossChart';
import { runProgress, runState } from '../../webview/charts/data/runProgress';
import { RunSeries } from '../../webview/charts/data/runSeries';
import { debiasedEma } from '../../webview/charts/data/smoothing';
import { runTiming, xValues } from '../../webview/charts/data/xAxis';
import { CHARTS_FIXTURE, fixtureConfig, fixtureEvents } from './fixtureRun';
import { fixtureChartRun, seriesFromEvents } from './seriesHelpers';

const steps = fixtureEvents(CHARTS_FIXTURE).filter((e): e is StepEvent => e.type === 'step');

test('loss chart: raw and smoothed series over the logged steps', () => {
  const spec = lossChartSpec([fixtureChartRun()], { xAxis: 'step', smoothing: 0.6, logY: false, buckets: 2000 });
  assert.deepEqual(spec.series.map((s) => s.label), ['loss (raw)', 'loss (smoothed 0.6)']);
  assert.deepEqual(Array.from(spec.x), steps.map((e) => e.step));
  assert.deepEqual(Array.from(spec.series[0].values), steps.map((e) => e.loss));
  assert.deepEqual(Array.from(spec.series[1].values), [...debiasedEma(steps.map((e) => e.loss), 0.6)]);
  assert.ok((spec.series[0].opacity ?? 1) < 1, 'raw is faint under the smoothed line');
});

test('loss chart without smoothing shows the raw curve alone', () => {
  const spec = lossChartSpec([fixtureChartRun()], { xAxis: 'step', smoothing: 0, logY: false, buckets: 2000 });
  assert.deepEqual(spec.series.map((s) => s.label), ['loss']);
});

test('the x-axis can be step, fractional epoch or seconds since the start', () => {
  const run = fixtureChartRun();
  const epoch = lossChartSpec([run], { xAxis: 'epoch', smoothing: 0, logY: false, buckets: 2000 });
  assert.equal(epoch.x[CHARTS_FIXTURE.stepsPerEpoch - 1], 1, 'step 50 of 50-step epochs is epoch 1.0');
  assert.equal(epoch.x[0], 1 / CHARTS_FIXTURE.stepsPerEpoch);
  const time = lossChartSpec([run], { xAxis: 'time', smoothing: 0, logY: false, buckets: 2000 });
  assert.equal(time.xFormat, 'duration');
  assert.equal(time.x[0], (Date.parse(steps[0].time) - Date.parse(CHARTS_FIXTURE.startTime)) / 1000);
  for (let i = 1; i < time.x.length; i++) assert.ok(time.x[i] >= time.x[i - 1]);
});

test('log-y uses a log scale for positive losses and the symmetric (asinh) scale when DCL’s loss goes negative', () => {
  const positive = lossChartSpec([fixtureChartRun({ loss: 'infonce' })], { xAxis: 'step', smoothing: 0.5, logY: true, buckets: 500 });
  assert.equal(positive.yScale, 'log');
  const run = fixtureChartRun();
  run.series.steps.loss[5] = -0.5;
  const negative = lossChartSpec([run], { xAxis: 'step', smoothing: 0.5, logY: true, buckets: 500 });
  assert.equal(negative.yScale, 'asinh');
  assert.equal(lossChartSpec([run], { xAxis: 'step', smoothing: 0.5, logY: false, buckets: 500 }).yScale, 'linear');
});

test('a 100 000-step run is downsampled to the plot width and a zoom window shows its own detail', () => {
  const n = 100_000;
  const events: StepEvent[] = Array.from({ length: n }, (_, i) => ({ type: 'step', step: i + 1, epoch: 0, time: new Date(1e12 + i * 50).toISOString(), loss: 5 * Math.exp(-i / 20000) + Math.sin(i * 7.77) * 0.3, lr: 0.1, imagesPerSecond: 1000 }));
  events[54_321].loss = 40;
  const run = fixtureChartRun();
  const series = seriesFromEvents(events);
  const big = { ...run, series, timing: runTiming(series) };
  const spec = lossChartSpec([big], { xAxis: 'step', smoothing: 0.9, logY: false, buckets: 800 });
  assert.ok(spec.x.length <= 2 * 800 * 2 + 2, `${spec.x.length} points`);
  assert.ok(Array.from(spec.series[0].values).includes(40), 'the spike survives');
  const zoomed = lossChartSpec([big], { xAxis: 'step', smoothing: 0.9, logY: false, buckets: 800, range: { min: 1000, max: 1500 } });
  assert.equal(zoomed.x.length, 503, 'all 501 points in the window plus one neighbour each side');
});

test('compared loss curves: one smoothed line per run named by its legend label, in its colour', () => {
  const a = fixtureChartRun({ loss: 'dcl' }, 'loss=dcl');
  const b = fixtureChartRun({ loss: 'infonce', seed: 2, stepsPerEpoch: 40 }, 'loss=infonce');
  const spec = lossChartSpec([a, b], { xAxis: 'step', smoothing: 0.8, logY: false, buckets: 2000 });
  assert.deepEqual(spec.series.map((s) => [s.label, s.color]), [['loss=dcl (raw)', 0], ['loss=dcl', 0], ['loss=infonce (raw)', 1], ['loss=infonce', 1]]);
  const table = lossTable([a, b], 0.8);
  assert.equal(table.header[0], 'run');
  assert.equal(table.columns[0].length, a.series.steps.step.length + b.series.steps.step.length);
});

test('kNN chart: accuracy in percent from epoch 0, with only the best point marked', () => {
  const run = fixtureChartRun();
  const spec = knnChartSpec([run]);
  assert.deepEqual(Array.from(spec.x), Array.from({ length: CHARTS_FIXTURE.epochs + 1 }, (_, i) => i));
  const acc = Array.from(spec.series[0].values as ArrayLike<number>);
  const marks = Array.from(spec.series[1].values as ArrayLike<number>);
  const best = Math.max(...acc);
  assert.equal(spec.series[1].style, 'points');
  assert.deepEqual(marks.filter((v) => Number.isFinite(v)), [best]);
  assert.equal(marks.indexOf(best), acc.indexOf(best));
  assert.ok(acc[0] < 20, 'the pre-training evaluation is near chance');
  assert.equal(knnTable([run]).columns[0].length, CHARTS_FIXTURE.epochs + 1);
});

test('kNN chart: the y axis stays within 0–100 %, also when every evaluation is 100 % (not 0–200 %)', () => {
  const spec = knnChartSpec([fixtureChartRun()]);
  assert.deepEqual(spec.yBounds, [0, 100]);
  const flatAt = (value: number): ChartSpec => ({ ...spec, series: spec.series.map((s) => ({ ...s, values: Array.from(s.values as ArrayLike<number>, (v) => (Number.isFinite(v) ? value : v)) })) });
  const theme: Theme = { kind: 'dark', background: '#000', foreground: '#fff', muted: '#aaa', grid: '#333', border: '#444', fontFamily: 'sans-serif', fontSize: 12, palette: ['#00f', '#f00', '#0f0', '#ff0'], lineScale: 1, minOpacity: 0 };
  const yRange = (s: ChartSpec, min: number, max: number) => {
    const range = plotOptions(s, theme, { width: 600, height: 300 }, { onZoom: () => undefined }).scales?.y?.range;
    assert.equal(typeof range, 'function', 'the kNN chart sets its own y range');
    return (range as (u: unknown, min: number, max: number) => [number, number])(undefined, min, max);
  };
  // What uPlot's auto-range is given for a flat line at 100 %, and what the screen and the SVG export show.
  assert.deepEqual(yRange(flatAt(100), 100, 100), [95, 100]);
  assert.deepEqual(dataView(flatAt(100)).y, [95, 100]);
  assert.deepEqual(dataView(flatAt(0)).y, [0, 5]);
  assert.deepEqual(yRange(spec, 20, 90), [13, 97], 'a tenth of the span either side');
  assert.deepEqual(yRange(spec, 2, 99), [0, 100], 'but never past 0 or 100 %');
  assert.deepEqual(boundedRange(Number.NaN, Number.NaN, [0, 100]), [0, 100], 'no evaluation yet');
  assert.deepEqual(boundedRange(50, 120, [0, 100]), [43, 120], 'data past the bounds is still shown');
});

test('header progress: state from status.json, step and fractional epoch, throughput, lr, backend', () => {
  const o = { ...CHARTS_FIXTURE, state: 'running' as const, stopAfterEpochs: 3 };
  const series = seriesFromEvents(fixtureEvents(o));
  const info: ChartRunInfo = { runDir: '/r', runId: 'r', config: fixtureConfig(o), status: { schemaVersion: 1, state: 'running', createdAt: o.startTime } };
  const p = runProgress(info, series);
  assert.equal(p.state, 'running');
  assert.equal(p.step, 150);
  assert.equal(p.totalSteps, 400);
  assert.equal(p.epoch, 3);
  assert.equal(p.epochs, 8);
  assert.ok(p.imagesPerSecond! > 1500 && p.imagesPerSecond! < 3500);
  assert.ok(p.lr! > 0);
  assert.equal(p.backend, 'tensorflow');
});

test('header progress: a run stopped between two logged steps shows the step it stopped at', () => {
  const o = { ...CHARTS_FIXTURE, state: 'running' as const, stopAfterEpochs: 3 };
  const events = fixtureEvents(o);
  const lastStep = Math.max(...events.filter((e) => e.type === 'step').map((e) => e.step));
  const stopped = { type: 'stopped' as const, step: lastStep + 2, epoch: 3, time: o.startTime, reason: `stopped by request at step ${lastStep + 2}` };
  const series = seriesFromEvents([...events, stopped]);
  const info: ChartRunInfo = { runDir: '/r', runId: 'r', config: fixtureConfig(o), status: { schemaVersion: 1, state: 'stopped', createdAt: o.startTime, step: lastStep } };
  assert.equal(runProgress(info, series).step, lastStep + 2);
});

test('run state: the event log’s end wins over a stale "running" status; status wins otherwise', () => {
  const finished = seriesFromEvents(fixtureEvents(CHARTS_FIXTURE));
  const info = (state?: 'running' | 'interrupted'): ChartRunInfo => ({ runDir: '/r', runId: 'r', config: null, status: state ? { schemaVersion: 1, state, createdAt: 'x' } : null });
  assert.equal(runState(info('running'), finished), 'finished');
  const unfinished = seriesFromEvents(fixtureEvents({ ...CHARTS_FIXTURE, state: 'running' }));
  assert.equal(runState(info('interrupted'), unfinished), 'interrupted');
  assert.equal(runState(info(), unfinished), 'running');
  const empty = new RunSeries();
  empty.reset(encodeEvents([]));
  assert.equal(runState(info(), empty), 'unknown');
});

test('epochs fall back to the events’ own epoch numbers when the started event is missing', () => {
  const series = seriesFromEvents(fixtureEvents(CHARTS_FIXTURE).filter((e) => e.type !== 'started'));
  const timing = runTiming(series);
  assert.equal(timing.stepsPerEpoch, null);
  assert.ok(Number.isFinite(timing.startMs));
  assert.deepEqual([...xValues('epoch', series.steps, timing)].slice(0, 3), [0, 0, 0]);
});
