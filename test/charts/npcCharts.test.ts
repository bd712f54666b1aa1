import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type NpcEvent } from '../../src/shared/protocol';
import { bandPairs, matrixColumn, npcBandsSpec, npcTable, percentileLabel } from '../../webview/charts/data/npcBandsChart';
import { binEdges, histogramShares, histogramTable, nearestRow, npcHistogramSpec, selectedStep } from '../../webview/charts/data/npcHistogramChart';
import { CHARTS_FIXTURE, fixtureEvents } from './fixtureRun';
import { fixtureChartRun } from './seriesHelpers';

const npcEvents = fixtureEvents(CHARTS_FIXTURE).filter((e): e is NpcEvent => e.type === 'npc');

test('percentile bands nest from the outside in: min–max, 7–93, 16–84, 31–69', () => {
  const pairs = bandPairs().map(([hi, lo]) => [NPC_PERCENTILES[hi], NPC_PERCENTILES[lo]]);
  assert.deepEqual(pairs, [[100, 0], [93, 7], [84, 16], [69, 31]]);
});

test('matrix columns read one percentile level across events', () => {
  const m = Float64Array.of(1, 2, 3, 4, 5, 6);
  assert.deepEqual([...matrixColumn(m, 3, 1)], [2, 5]);
});

test('single-run distribution: nine percentile series, the mean, Cv on the right axis, four bands', () => {
  const run = fixtureChartRun();
  const spec = npcBandsSpec([run], { xAxis: 'step', buckets: 1000 });
  assert.deepEqual(spec.series.map((s) => s.label), [...NPC_PERCENTILES.map(percentileLabel), 'mean', 'Cv (σ/μ)']);
  assert.equal(spec.series.find((s) => s.label === 'Cv (σ/μ)')?.axis, 'y2');
  assert.equal(spec.bands.length, 4);
  // Few events: nothing is downsampled, so every point is the logged value.
  assert.deepEqual(Array.from(spec.x), npcEvents.map((e) => e.step));
  const median = spec.series[NPC_PERCENTILES.indexOf(50)];
  assert.equal(median.style, 'line');
  assert.deepEqual(Array.from(median.values), npcEvents.map((e) => e.summary.percentiles[4]));
  assert.deepEqual(Array.from(spec.series[9].values), npcEvents.map((e) => e.summary.mean));
  // Every band's upper edge is at or above its lower edge at every point.
  for (const b of spec.bands) {
    for (let i = 0; i < spec.x.length; i++) assert.ok((spec.series[b.upper].values[i] as number) >= (spec.series[b.lower].values[i] as number));
  }
});

test('compared runs get a median and a 16–84 band each, in the run’s colour', () => {
  const a = fixtureChartRun({ loss: 'dcl' }, 'loss=dcl');
  const b = fixtureChartRun({ loss: 'infonce', seed: 3 }, 'loss=infonce');
  const spec = npcBandsSpec([a, b], { xAxis: 'epoch', buckets: 1000 });
  assert.deepEqual(spec.series.map((s) => s.label), ['loss=dcl p16', 'loss=dcl median', 'loss=dcl p84', 'loss=infonce p16', 'loss=infonce median', 'loss=infonce p84']);
  assert.deepEqual(spec.bands.map((b) => [b.upper, b.lower, b.color]), [[2, 0, 0], [5, 3, 1]]);
  assert.equal(spec.xLabel, 'epoch');
  assert.ok((spec.x[spec.x.length - 1]) <= CHARTS_FIXTURE.epochs);
});

test('the NPC table has every summary at full resolution', () => {
  const t = npcTable([fixtureChartRun()]);
  assert.equal(t.columns[0].length, npcEvents.length);
  assert.deepEqual(t.header.slice(0, 7), ['step', 'epoch', 'wall_seconds', 'count', 'mean', 'std', 'cv']);
});

test('nearestRow picks the closest logged step, the earlier one on ties', () => {
  const steps = [10, 20, 30];
  assert.equal(nearestRow(steps, 0), 0);
  assert.equal(nearestRow(steps, 14), 0);
  assert.equal(nearestRow(steps, 15), 0);
  assert.equal(nearestRow(steps, 16), 1);
  assert.equal(nearestRow(steps, 99), 2);
  assert.equal(nearestRow([], 5), -1);
});

test('histogram counts become percentages that sum to 100', () => {
  const h = new Float32Array(NPC_HISTOGRAM_BINS * 2);
  h[3] = 1;
  h[NPC_HISTOGRAM_BINS + 10] = 3;
  h[NPC_HISTOGRAM_BINS + 11] = 1;
  const second = histogramShares(h, 1);
  assert.equal(second[10], 75);
  assert.equal(second[11], 25);
  assert.equal(second.reduce((a, b) => a + b, 0), 100);
  const edges = binEdges();
  assert.equal(edges.length, NPC_HISTOGRAM_BINS + 1);
  assert.equal(edges[0], 0);
  assert.equal(edges[NPC_HISTOGRAM_BINS], 1);
});

test('histogram overlay: pinned steps under the current one, which follows the latest by default', () => {
  const run = fixtureChartRun();
  const last = npcEvents[npcEvents.length - 1].step;
  assert.equal(selectedStep([run], { step: null, pinned: [] }), last);
  const spec = npcHistogramSpec([run], { step: null, pinned: [1, 200, last] });
  // The latest is current; pinning it again does not draw it twice.
  assert.deepEqual(spec.series.map((s) => s.label), ['step 1', 'step 200', `step ${last}`]);
  assert.equal(spec.series[2].width, 2.5);
  assert.deepEqual(spec.xRange, [0, 1]);
  const firstShares = histogramShares(run.series.npc.histogram, 0);
  assert.deepEqual(Array.from(spec.series[0].values).slice(0, NPC_HISTOGRAM_BINS), [...firstShares]);
  const table = histogramTable(spec);
  assert.equal(table.columns[0].length, NPC_HISTOGRAM_BINS);
  assert.deepEqual(table.header, ['bin_low', 'bin_high', 'step 1 share_%', 'step 200 share_%', `step ${last} share_%`]);
});

test('compared histograms take each run’s summary nearest to the chosen step', () => {
  const a = fixtureChartRun({}, 'A');
  const b = fixtureChartRun({ npcEvery: 25, seed: 4 }, 'B');
  const spec = npcHistogramSpec([a, b], { step: 140, pinned: [] });
  assert.deepEqual(spec.series.map((s) => s.label), ['A @ step 140', 'B @ step 150']);
});
