import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchIsEmpty, concatBatches, encodeEvents } from '../../src/host/charts/encodeEvents';
import { parseChartsToHost, panelIdentityFromState, type HostToChartsMessage } from '../../src/shared/chartsMessages';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES, type RunEvent } from '../../src/shared/protocol';
import { RunSeries } from '../../webview/charts/data/runSeries';
import { CHARTS_FIXTURE, fixtureEvents } from './fixtureRun';

const accepted = (m: unknown): boolean => typeof parseChartsToHost(m) === 'object';
const rejected = (m: unknown): boolean => typeof parseChartsToHost(m) === 'string';

const events = fixtureEvents(CHARTS_FIXTURE);
const count = (type: RunEvent['type']) => events.filter((e) => e.type === type).length;

test('events become typed-array columns; events the charts do not draw are left out', () => {
  const b = encodeEvents(events);
  assert.ok(b.steps.loss instanceof Float64Array);
  assert.ok(b.npc.histogram instanceof Float32Array);
  assert.equal(b.steps.step.length, count('step'));
  assert.equal(b.npc.step.length, count('npc'));
  assert.equal(b.npc.percentiles.length, count('npc') * NPC_PERCENTILES.length);
  assert.equal(b.npc.histogram.length, count('npc') * NPC_HISTOGRAM_BINS);
  assert.equal(b.knn.accuracy.length, count('knn'));
  assert.deepEqual(b.lifecycle.map((e) => e.type), ['started', 'finished']);
  const firstStep = events.find((e) => e.type === 'step')!;
  assert.equal(b.steps.time[0], Date.parse(firstStep.time));
});

test('typed arrays survive structuredClone (what postMessage does) with their types and values, NaN included', () => {
  const batch = encodeEvents(events);
  batch.steps.loss[3] = NaN;
  const message: HostToChartsMessage = { type: 'history', run: 0, batch };
  const copy = structuredClone(message);
  assert.equal(copy.type, 'history');
  if (copy.type !== 'history') return;
  assert.ok(copy.batch.steps.loss instanceof Float64Array);
  assert.ok(copy.batch.npc.histogram instanceof Float32Array);
  assert.deepEqual(copy.batch.steps.loss, batch.steps.loss);
  assert.ok(Number.isNaN(copy.batch.steps.loss[3]));
  assert.deepEqual(copy.batch.npc.percentiles, batch.npc.percentiles);
  assert.deepEqual(copy.batch.lifecycle, batch.lifecycle);
  assert.notEqual(copy.batch.steps.loss.buffer, batch.steps.loss.buffer, 'a copy, not shared memory');
});

test('a PNG export message carries bytes that survive structuredClone', () => {
  const msg = { type: 'saveFile', format: 'png', suggestedName: 'loss.png', content: Uint8Array.of(0x89, 0x50, 0x4e, 0x47) };
  const copy = structuredClone(msg);
  assert.ok(accepted(copy));
  assert.ok(copy.content instanceof Uint8Array);
  assert.deepEqual([...copy.content], [0x89, 0x50, 0x4e, 0x47]);
});

test('the host accepts only well-formed webview messages', () => {
  assert.ok(accepted({ type: 'ready' }));
  assert.ok(accepted({ type: 'stopRun', run: 0 }));
  assert.ok(accepted({ type: 'saveFile', format: 'csv', suggestedName: 'a.csv', content: 'x' }));
  assert.ok(accepted({ type: 'copyText', text: '| a |', description: 'table' }));
  assert.ok(rejected({ type: 'stopRun', run: -1 }));
  assert.ok(rejected({ type: 'stopRun', run: '0' }));
  assert.ok(rejected({ type: 'saveFile', format: 'exe', suggestedName: 'a', content: 'x' }));
  assert.ok(rejected({ type: 'saveFile', format: 'png', suggestedName: 'a', content: [1, 2] }));
  assert.ok(rejected({ type: 'runCommand', command: 'rm' }));
  assert.equal(parseChartsToHost({ type: 'runCommand', command: 'rm' }), 'unknown message type "runCommand"');
  assert.equal(parseChartsToHost({ type: 'stopRun', run: 9 }), 'stopRun needs a run index 0–7');
  assert.ok(rejected(null));
});

test('the panel identity is read back from the webview state only when it can reopen the panel', () => {
  assert.deepEqual(panelIdentityFromState({ mode: 'single', runDirs: ['/r/a'], ui: {} }), { mode: 'single', runDirs: ['/r/a'] });
  assert.deepEqual(panelIdentityFromState({ mode: 'compare', runDirs: ['/a', '/b'] }), { mode: 'compare', runDirs: ['/a', '/b'] });
  assert.equal(panelIdentityFromState({ mode: 'compare', runDirs: ['/a'] }), null);
  assert.equal(panelIdentityFromState({ mode: 'compare', runDirs: Array.from({ length: 9 }, (_, i) => `/r${i}`) }), null);
  assert.equal(panelIdentityFromState({ mode: 'single', runDirs: [42] }), null);
  assert.equal(panelIdentityFromState(undefined), null);
});

test('batches concatenate in order', () => {
  const a = encodeEvents(events.slice(0, 100));
  const b = encodeEvents(events.slice(100));
  const joined = concatBatches([a, b]);
  assert.deepEqual(joined.steps.step, encodeEvents(events).steps.step);
  assert.deepEqual(joined.npc.histogram, encodeEvents(events).npc.histogram);
  assert.ok(batchIsEmpty(encodeEvents([])));
  assert.ok(!batchIsEmpty(a));
});

test('the webview store grows by appends and matches one big batch', () => {
  const whole = new RunSeries();
  whole.reset(encodeEvents(events));
  const pieces = new RunSeries();
  pieces.reset(encodeEvents([]));
  for (let i = 0; i < events.length; i += 7) pieces.append(encodeEvents(events.slice(i, i + 7)));
  assert.deepEqual(pieces.steps, whole.steps);
  assert.deepEqual(pieces.npc, whole.npc);
  assert.deepEqual(pieces.knn, whole.knn);
  assert.equal(pieces.started?.totalSteps, CHARTS_FIXTURE.epochs * CHARTS_FIXTURE.stepsPerEpoch);
  assert.equal(pieces.ending?.type, 'finished');
  pieces.reset(encodeEvents(events.slice(0, 10)));
  assert.ok(pieces.steps.step.length < 10);
  assert.equal(pieces.ending, undefined);
});

test('a summary with fewer percentiles or bins than the protocol fills fixed slots without shifting rows', () => {
  const odd: RunEvent = { type: 'npc', step: 1, epoch: 0, time: '2026-01-01T00:00:00Z', summary: { count: 2, mean: 0.5, std: 0, cv: 0, percentiles: [0.1, 0.2], histogram: [1, 1] } };
  const b = encodeEvents([odd, odd]);
  assert.equal(b.npc.percentiles.length, 2 * NPC_PERCENTILES.length);
  assert.equal(b.npc.percentiles[NPC_PERCENTILES.length], 0.1);
  assert.ok(Number.isNaN(b.npc.percentiles[2]));
});
