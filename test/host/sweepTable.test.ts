/** "Compare sweep": its label names the varied fields, and its table pivots on the fields its record keeps. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { writeSweepRecord } from '../../src/launchers/sweepRecord';
import type { RunSnapshot } from '../../src/host/runs/runStore';
import { groupSweeps, sweepLabel } from '../../src/host/runs/sweepGrouping';
import { sweepMarkdownTable } from '../../src/host/runs/sweepTable';
import { sweepAxes } from '../../src/shared/sweepGrid';
import { makeTempDir, removeDir, tinyConfig } from './hostTestUtils';

describe('a sweep over temperature × lr in the host', () => {
  const root = makeTempDir('dcl-sweep-table-');
  const runs: RunSnapshot[] = [];
  for (const temperature of [0.05, 0.2]) {
    for (const lr of [1e-3, 3e-4]) {
      const runId = `t${temperature}-lr${lr}`;
      const config = tinyConfig({ sweepId: 'sweep-1', loss: 'dcl', temperature, optimizer: { ...tinyConfig().optimizer, lr } });
      const knnAccuracy = 0.5 + temperature + (lr === 1e-3 ? 0.1 : 0);
      runs.push({ runDir: path.join(root, runId), runId, config, state: 'finished', createdAt: '2026-01-01T00:00:00Z', owned: false, metrics: { eventCount: 0, badLines: [], knnAccuracy } });
    }
  }
  const [group] = groupSweeps(runs).sweeps;

  it('labels the sweep with the fields that differ', () => {
    assert.equal(sweepLabel(group), 'Sweep dcl × b16 × τ 0.05, 0.2 × lr 0.0003, 0.001 × 1 seed');
  });

  it('pivots on the recorded grid: rows loss, columns temperature, one table per lr', () => {
    const expected = ['| kNN top-1 (%) · lr 0.0003 | τ 0.05 | τ 0.2 |', '| --- | ---: | ---: |', '| DCL | 55.00 | 70.00 |', '', '| kNN top-1 (%) · lr 0.001 | τ 0.05 | τ 0.2 |', '| --- | ---: | ---: |', '| DCL | 65.00 | 80.00 |', ''].join('\n');
    // The record names the grid in the order it was given: temperature first, so it makes the columns.
    writeSweepRecord(root, { sweepId: 'sweep-1', axes: sweepAxes(['dcl'], [16], [{ field: 'temperature', values: [0.05, 0.2] }, { field: 'optimizer.lr', values: [1e-3, 3e-4] }]), seeds: [0] });
    try {
      assert.equal(sweepMarkdownTable(group), expected);
      writeSweepRecord(root, { sweepId: 'sweep-1', axes: sweepAxes(['dcl'], [16], [{ field: 'optimizer.lr', values: [1e-3, 3e-4] }, { field: 'temperature', values: [0.05, 0.2] }]), seeds: [0] });
      assert.match(sweepMarkdownTable(group), /^\| kNN top-1 \(%\) · τ 0\.05 \| lr 0\.0003 \| lr 0\.001 \|\n/, 'lr first in the record: lr columns');
    } finally {
      removeDir(root);
    }
    // Without a record (an older sweep, a deleted file) the fields its configs differ in still split the cells.
    assert.equal(sweepMarkdownTable(group), expected);
  });
});
