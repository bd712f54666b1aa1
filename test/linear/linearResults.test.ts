/** Linear top-1 in the sweep results table and the run list, beside kNN. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptySummary, foldEvent } from '../../src/host/runs/metricsTail';
import { runDescription } from '../../src/host/runs/runPresentation';
import { formatPlainTable, hasLinearResults, resultsRows, resultsTables, type RunResult } from '../../src/shared/resultsTable';

const results: RunResult[] = [
  { loss: 'dcl', batchSize: 32, seed: 0, accuracy: 0.8, linearAccuracy: 0.9 },
  { loss: 'dcl', batchSize: 32, seed: 1, accuracy: 0.9, linearAccuracy: 0.92 },
  { loss: 'infonce', batchSize: 32, seed: 0, accuracy: 0.7, linearAccuracy: NaN },
  { loss: 'infonce', batchSize: 256, seed: 0, accuracy: 0.75 },
];

describe('linear top-1 in the results tables', () => {
  it('adds a linear-evaluation table after the kNN one, same shape, mean ± std over seeds', () => {
    const tables = resultsTables(results);
    assert.deepEqual(tables.map((t) => t.metric), ['knn', 'linear']);
    const [knn, linear] = tables.map(resultsRows);
    assert.deepEqual(knn[0], ['kNN top-1 (%)', 'batch 32', 'batch 256']);
    assert.deepEqual(knn[2], ['DCL', '85.00 ± 7.07', '—']);
    // The same rows and columns as the kNN table, so the two read side by side; runs without a value leave a dash.
    assert.deepEqual(linear, [
      ['linear top-1 (%)', 'batch 32', 'batch 256'],
      ['InfoNCE (SimCLR)', '—', '—'],
      ['DCL', '91.00 ± 1.41', '—'],
    ]);
    assert.match(formatPlainTable(linear), /^linear top-1 \(%\) +batch 32 +batch 256\n/);
  });

  it('keeps only the kNN table when no run was evaluated', () => {
    const none = results.map(({ linearAccuracy: _, ...r }) => r);
    assert.equal(hasLinearResults(none), false);
    assert.deepEqual(resultsTables(none).map((t) => t.metric), ['knn']);
  });

  it("the run list's summary keeps the latest linear evaluation", () => {
    const s = emptySummary();
    const base = { step: 10, epoch: 1, time: '2026-01-01T00:00:00Z', weightDecay: 1e-6, trainSize: 100, testSize: 50, seconds: 1 };
    foldEvent(s, { ...base, type: 'linear', accuracy: 0.81 });
    foldEvent(s, { ...base, type: 'linear', accuracy: 0.86 });
    assert.equal(s.linearAccuracy, 0.86);
    const snapshot = { runDir: '/runs/a', runId: 'a', state: 'finished' as const, createdAt: '', owned: false, metrics: { ...s, loss: 1.5, knnAccuracy: 0.8 } };
    assert.equal(runDescription(snapshot), 'loss 1.500 · kNN 80.0% · linear 86.0%');
    // A run evaluated by `dcl-explorer eval` before the list read its events: status.json has it.
    const fromStatus = { ...snapshot, metrics: emptySummary(), status: { schemaVersion: 1, state: 'finished' as const, createdAt: '', final: { knnAccuracy: 0.8, linearAccuracy: 0.9 } } };
    assert.equal(runDescription(fromStatus), 'kNN 80.0% · linear 90.0%');
  });
});
