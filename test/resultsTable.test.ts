import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildResultsTable, cellOf, formatMarkdownTable, formatPlainTable, resultsRows } from '../src/shared/resultsTable';

describe("the paper's results table", () => {
  const table = buildResultsTable([
    { loss: 'dcl', batchSize: 32, seed: 0, accuracy: 0.8 },
    { loss: 'dcl', batchSize: 32, seed: 1, accuracy: 0.9 },
    { loss: 'infonce', batchSize: 32, seed: 0, accuracy: 0.7 },
    { loss: 'infonce', batchSize: 256, seed: 0, accuracy: 0.75 },
    { loss: 'infonce', batchSize: 256, seed: 1, accuracy: NaN },
  ]);
  it('rows in the paper order (InfoNCE, DCL, DCLW), columns by batch size, mean ± sample std over seeds', () => {
    assert.deepEqual(table.losses, ['infonce', 'dcl']);
    assert.deepEqual(table.batchSizes, [32, 256]);
    const c = cellOf(table, 'dcl', 32)!;
    assert.ok(Math.abs(c.mean - 0.85) < 1e-12);
    assert.ok(Math.abs(c.std - Math.sqrt(0.005)) < 1e-12);
    assert.equal(cellOf(table, 'infonce', 256)!.n, 1, 'unfinished runs are left out');
    assert.equal(cellOf(table, 'dcl', 256), undefined);
  });
  it('formats as aligned text and as Markdown', () => {
    const rows = resultsRows(table);
    assert.deepEqual(rows[0], ['kNN top-1 (%)', 'batch 32', 'batch 256']);
    assert.deepEqual(rows[2], ['DCL', '85.00 ± 7.07', '—']);
    const text = formatPlainTable(rows);
    assert.equal(new Set(text.trim().split('\n').map((l) => l.length)).size, 1, 'aligned columns');
    assert.equal(formatMarkdownTable(rows).split('\n')[1], '| --- | ---: | ---: |');
  });
});
