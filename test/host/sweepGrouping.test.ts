/** Sweep grouping of the Runs view: one item per sweepId with a summary, loose runs untouched. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSnapshot } from '../../src/host/runs/runStore';
import { groupSweeps, sweepActive, sweepLabel, sweepSummary } from '../../src/host/runs/sweepGrouping';
import type { RunState } from '../../src/shared/protocol';
import { tinyConfig } from './hostTestUtils';

const snap = (runId: string, state: RunState, over: { sweepId?: string; loss?: 'dcl' | 'dclw' | 'infonce'; batchSize?: number; seed?: number; createdAt?: string } = {}): RunSnapshot => ({
  runDir: `/runs/${runId}`,
  runId,
  config: tinyConfig({ sweepId: over.sweepId, loss: over.loss ?? 'dcl', batchSize: over.batchSize ?? 16, seed: over.seed ?? 0 }),
  state,
  createdAt: over.createdAt ?? `2026-01-01T00:00:0${runId.length % 10}Z`,
  owned: false,
  metrics: { eventCount: 0, badLines: [] },
});

describe('groupSweeps', () => {
  const runs = [
    snap('a', 'finished', { sweepId: 's1', loss: 'dcl', batchSize: 64, seed: 0, createdAt: '2026-01-02T00:00:00Z' }),
    snap('b', 'running', { sweepId: 's1', loss: 'dclw', batchSize: 128, seed: 1 }),
    snap('c', 'queued', { sweepId: 's1', loss: 'dcl', batchSize: 128, seed: 1 }),
    snap('d', 'failed', { sweepId: 's1', loss: 'dclw', batchSize: 64, seed: 0 }),
    snap('e', 'finished'),
    snap('f', 'finished', { sweepId: 's2', createdAt: '2026-01-03T00:00:00Z' }),
  ];

  it('puts the runs of one sweepId under one group, newest sweep first, and keeps the others loose', () => {
    const { sweeps, loose } = groupSweeps(runs);
    assert.deepEqual(sweeps.map((s) => [s.sweepId, s.runs.map((r) => r.runId)]), [['s2', ['f']], ['s1', ['a', 'b', 'c', 'd']]]);
    assert.deepEqual(loose.map((r) => r.runId), ['e']);
  });

  it('summarises done / running / queued / failed', () => {
    const s1 = groupSweeps(runs).sweeps[1];
    assert.equal(sweepSummary(s1), '1 done · 1 running · 1 queued · 1 failed');
    assert.equal(sweepLabel(s1), 'Sweep dcl, dclw × b64, 128 × 2 seeds');
    assert.equal(sweepActive(s1), true);
    const s2 = groupSweeps(runs).sweeps[0];
    assert.equal(sweepSummary({ ...s2, counts: { ...s2.counts, stopped: 2 } }), '1 done · 0 running · 0 queued · 0 failed · 2 stopped');
    assert.equal(sweepActive(s2), false);
  });

  it('treats an empty or non-string sweepId (hand-edited config.json) as no sweep', () => {
    const odd = snap('g', 'finished');
    (odd.config as unknown as { sweepId: unknown }).sweepId = 42;
    assert.deepEqual(groupSweeps([odd, snap('h', 'finished', { sweepId: '' })]).loose.map((r) => r.runId), ['g', 'h']);
  });
});
