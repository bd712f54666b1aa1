/** Linear top-1 beside kNN in the charts: the host's batches carry the events, the header and the comparison table show them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBatches, encodeEvents } from '../../src/host/charts/encodeEvents';
import type { LinearEvent, RunEvent } from '../../src/shared/protocol';
import { accuracyFacts, linearPercent } from '../../webview/charts/data/accuracyFacts';
import { chartRun } from '../../webview/charts/data/chartRun';
import { comparisonMarkdown, comparisonTable, type TableRun } from '../../webview/charts/data/comparisonTable';
import { knnSummary } from '../../webview/charts/data/knnChart';
import { RunSeries } from '../../webview/charts/data/runSeries';
import { CHARTS_FIXTURE, fixtureConfig, fixtureEvents } from '../charts/fixtureRun';

const linear = (accuracy: number, epoch: number): LinearEvent => ({
  type: 'linear',
  step: epoch * 50,
  epoch,
  time: '2026-01-15T11:00:00.000Z',
  accuracy,
  weightDecay: 1e-6,
  validationAccuracy: accuracy - 0.01,
  trainSize: 60000,
  testSize: 10000,
  seconds: 9.5,
});

function series(events: RunEvent[]): RunSeries {
  const s = new RunSeries();
  // Two chunks, as a large metrics.jsonl is read: the linear events must survive the join.
  const half = Math.floor(events.length / 2);
  s.reset(concatBatches([encodeEvents(events.slice(0, half)), encodeEvents(events.slice(half))]));
  return s;
}

test('linear events reach the webview series; the latest one is the run’s linear top-1', () => {
  const events = fixtureEvents(CHARTS_FIXTURE);
  assert.equal(encodeEvents(events).linear.length, 0);
  const s = series([...events, linear(0.9, 4), linear(0.9512, 8)]);
  assert.equal(s.linear?.accuracy, 0.9512);
  assert.equal(linearPercent(s), 95.12);
  assert.equal(linearPercent(series(events)), null);
});

test('the header shows kNN and, once evaluated, linear top-1', () => {
  const events = fixtureEvents(CHARTS_FIXTURE);
  const lastKnn = events.filter((e) => e.type === 'knn').at(-1)!;
  const knnText = `kNN ${(lastKnn.accuracy * 100).toFixed(1)}%`;
  assert.deepEqual(accuracyFacts(series(events)), [knnText]);
  assert.deepEqual(accuracyFacts(series([...events, linear(0.9512, 8)])), [knnText, 'linear 95.1%']);
  assert.deepEqual(accuracyFacts(undefined), []);
});

test('the comparison table adds linear top-1 after kNN once a run has it, and a dash for runs without', () => {
  const row = (loss: 'dcl' | 'infonce', extra: RunEvent[]): TableRun => {
    const o = { ...CHARTS_FIXTURE, loss };
    const run = chartRun(series([...fixtureEvents(o), ...extra]), loss, fixtureConfig(o));
    return { run, config: fixtureConfig(o), knn: knnSummary(run), linear: linearPercent(run.series) };
  };
  const withLinear = row('dcl', [linear(0.9512, 8)]);
  const without = row('infonce', []);
  const t = comparisonTable([withLinear, without]);
  assert.equal(t.caption, 'Top-1 accuracy (%): kNN best (final) · linear evaluation');
  assert.deepEqual(t.header, ['Loss', 'kNN · linear top-1 (%)']);
  const knn = (r: TableRun) => `${r.knn!.best.toFixed(1)} (${r.knn!.final.toFixed(1)})`;
  assert.deepEqual(t.rows, [
    ['InfoNCE (SimCLR)', `${knn(without)} · —`],
    ['DCL', `${knn(withLinear)} · 95.1`],
  ]);
  assert.ok(comparisonMarkdown(t).startsWith('Top-1 accuracy (%): kNN best (final) · linear evaluation\n'));
  // Without any linear result the table keeps its kNN-only shape.
  assert.equal(comparisonTable([without]).caption, 'kNN top-1 accuracy (%): best (final)');
});
