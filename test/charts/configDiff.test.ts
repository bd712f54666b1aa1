import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunConfig } from '../../src/shared/protocol';
import { differingKeys, flattenConfig, runLabels } from '../../webview/charts/data/configDiff';
import { CHARTS_FIXTURE, fixtureConfig } from './fixtureRun';

const base = fixtureConfig(CHARTS_FIXTURE);
const withChanges = (patch: Partial<RunConfig>): RunConfig => ({ ...base, ...patch });

test('flattens nested settings into dotted keys', () => {
  const flat = flattenConfig(base);
  assert.equal(flat.get('optimizer.lr'), '0.001');
  assert.equal(flat.get('projection'), '256×128');
  assert.equal(flat.get('knn.k'), '200');
});

test('legend labels name exactly what differs, loss and batch first', () => {
  const runs = [
    { runId: 'a', config: withChanges({ loss: 'dcl', batchSize: 256 }) },
    { runId: 'b', config: withChanges({ loss: 'infonce', batchSize: 256 }) },
    { runId: 'c', config: withChanges({ loss: 'dcl', batchSize: 32 }) },
  ];
  assert.deepEqual(differingKeys(runs.map((r) => r.config)), ['loss', 'batchSize']);
  assert.deepEqual(runLabels(runs), ['loss=dcl, batch=256', 'loss=infonce, batch=256', 'loss=dcl, batch=32']);
});

test('nested and aliased keys: a learning-rate sweep reads lr=…, τ sweeps read τ=…', () => {
  const runs = [
    { runId: 'a', config: withChanges({ temperature: 0.1, optimizer: { ...base.optimizer, lr: 0.001 } }) },
    { runId: 'b', config: withChanges({ temperature: 0.5, optimizer: { ...base.optimizer, lr: 0.01 } }) },
  ];
  assert.deepEqual(runLabels(runs), ['τ=0.1, lr=0.001', 'τ=0.5, lr=0.01']);
});

test('names, run folders and data paths never count as differences', () => {
  const runs = [
    { runId: 'a', config: withChanges({ name: 'first', runsDir: '/x', dataDir: '/d1' }) },
    { runId: 'b', config: withChanges({ name: 'second', runsDir: '/y', dataDir: '/d2' }) },
  ];
  assert.deepEqual(differingKeys(runs.map((r) => r.config)), []);
  // Nothing differs: fall back to the runs' own names.
  assert.deepEqual(runLabels(runs), ['first', 'second']);
});

test('repeated identical configs are told apart by run id', () => {
  const runs = [
    { runId: 'r1', config: withChanges({ seed: 1, name: undefined }) },
    { runId: 'r2', config: withChanges({ seed: 1, name: undefined }) },
    { runId: 'r3', config: withChanges({ seed: 2, name: undefined }) },
  ];
  assert.deepEqual(runLabels(runs), ['seed=1 (r1)', 'seed=1 (r2)', 'seed=2']);
});

test('a run without a readable config is labelled by its id', () => {
  const runs = [
    { runId: 'broken', config: null },
    { runId: 'a', config: withChanges({ loss: 'dcl' }) },
    { runId: 'b', config: withChanges({ loss: 'dclw' }) },
  ];
  assert.deepEqual(runLabels(runs), ['broken', 'loss=dcl', 'loss=dclw']);
});
