import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { MetricsReader } from '../../src/host/charts/metricsReader';
import { withoutSupersededSteps } from '../../src/host/charts/resumedHistory';
import type { RunEvent } from '../../src/shared/protocol';
import { chartRun } from '../../webview/charts/data/chartRun';
import { lossChartSpec } from '../../webview/charts/data/lossChart';
import { fixtureConfig, CHARTS_FIXTURE } from './fixtureRun';
import { seriesFromEvents } from './seriesHelpers';

const t = '2026-12-05T12:00:00.000Z';
const step = (s: number, loss = 5 - s * 0.1): RunEvent => ({ type: 'step', step: s, epoch: 0, time: t, loss, lr: 1e-3, imagesPerSecond: 100 });
const backend = { name: 'wasm', tfjsVersion: '4', details: [] };
const resumed = (s: number, lostSteps: number): RunEvent => ({ type: 'resumed', step: s, epoch: 0, time: t, lostSteps, from: 'running', backend, totalSteps: 10 });
/** Steps 1..6 logged, the trainer killed, resumed from the step-4 checkpoint, steps 5..8 trained again. */
const killedAndResumed: RunEvent[] = [1, 2, 3, 4, 5, 6].map((s) => step(s, 9)).concat([resumed(4, 2)], [5, 6, 7, 8].map((s) => step(s)));

describe('charts of a resumed run', () => {
  it('drop the points the resume superseded, so each curve continues from the checkpoint in step order', () => {
    const kept = withoutSupersededSteps(killedAndResumed).filter((e) => e.type === 'step');
    assert.deepEqual(kept.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(kept.slice(4).map((e) => (e.type === 'step' ? e.loss : NaN)), [5, 6, 7, 8].map((s) => 5 - s * 0.1), 'the resumed process’s losses win');
    // Two resumes: the second (from step 7) supersedes the first continuation's step 8.
    const twice = [...killedAndResumed, resumed(7, 1), step(8, 1)];
    assert.deepEqual(withoutSupersededSteps(twice).flatMap((e) => (e.type === 'step' ? [`${e.step}:${e.loss.toFixed(1)}`] : [])), ['1:9.0', '2:9.0', '3:9.0', '4:9.0', '5:4.5', '6:4.4', '7:4.3', '8:1.0']);
  });

  it('mark the resume on the loss chart and do not count an earlier stop as the ending', () => {
    const stopped: RunEvent = { type: 'stopped', step: 4, epoch: 0, time: t, reason: 'stop requested' };
    const series = seriesFromEvents([...[1, 2, 3, 4].map((s) => step(s)), stopped, resumed(4, 0), step(5)]);
    assert.equal(series.ending, undefined, 'running again after the resume');
    const spec = lossChartSpec([chartRun(series, 'run', fixtureConfig(CHARTS_FIXTURE))], { xAxis: 'step', smoothing: 0, logY: false, buckets: 2000 });
    const marker = spec.series.find((s) => s.label === 'resumed (step 4)');
    assert.ok(marker && marker.style === 'points', spec.series.map((s) => s.label).join(', '));
    const at = Array.from(spec.x).indexOf(4);
    assert.ok(Math.abs((marker.values[at] as number) - (5 - 0.4)) < 1e-12, 'the marker sits on the loss at the checkpoint');
    assert.equal(Array.from(marker.values).filter((v) => v !== null && Number.isFinite(v)).length, 1);
  });

  it('re-send the whole history when a resume is appended to a file already shown', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-resumed-chart-')), 'metrics.jsonl');
    const lines = (events: RunEvent[]) => events.map((e) => JSON.stringify(e) + '\n').join('');
    fs.writeFileSync(file, lines(killedAndResumed.slice(0, 6)));
    const reader = new MetricsReader(file);
    assert.deepEqual(Array.from((await reader.readNew()).batch.steps.step), [1, 2, 3, 4, 5, 6]);
    fs.appendFileSync(file, lines(killedAndResumed.slice(6, 8)));
    const read = await reader.readNew();
    assert.equal(read.reset, true);
    assert.deepEqual(Array.from(read.batch.steps.step), [1, 2, 3, 4, 5]);
    fs.appendFileSync(file, lines(killedAndResumed.slice(8)));
    const next = await reader.readNew();
    assert.equal(next.reset, false, 'later appends are appends again');
    assert.deepEqual(Array.from(next.batch.steps.step), [6, 7, 8]);
  });
});
