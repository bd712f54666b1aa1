import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildResultsTables, cellOf, chooseLayout, formatMarkdownTable, formatPlainTable, resultsRows, resultsTables, varyingFields, type RunResult } from '../src/shared/resultsTable';

describe("the paper's results table", () => {
  const [table] = buildResultsTables([
    { loss: 'dcl', batchSize: 32, seed: 0, accuracy: 0.8 },
    { loss: 'dcl', batchSize: 32, seed: 1, accuracy: 0.9 },
    { loss: 'infonce', batchSize: 32, seed: 0, accuracy: 0.7 },
    { loss: 'infonce', batchSize: 256, seed: 0, accuracy: 0.75 },
    { loss: 'infonce', batchSize: 256, seed: 1, accuracy: NaN },
  ]);
  it('rows in the paper order (InfoNCE, DCL, DCLW), columns by batch size, mean ± sample std over seeds', () => {
    assert.deepEqual(table.layout, { rows: 'loss', cols: 'batchSize' });
    assert.deepEqual(table.rowValues, ['infonce', 'dcl']);
    assert.deepEqual(table.colValues, [32, 256]);
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

describe('a sweep table pivoted on the fields that vary', () => {
  // loss × temperature × lr × 2 seeds at one batch size; accuracy encodes the setting so each cell is checkable.
  const results: RunResult[] = [];
  for (const loss of ['dcl', 'infonce'] as const) {
    for (const temperature of [0.2, 0.05]) {
      for (const lr of [1e-3, 3e-4]) {
        for (const seed of [0, 1]) {
          const acc = (loss === 'dcl' ? 0.5 : 0.4) + temperature + (lr === 1e-3 ? 0.1 : 0) + seed * 0.02;
          results.push({ loss, batchSize: 64, seed, fields: { temperature, 'optimizer.lr': lr }, accuracy: acc, linearAccuracy: loss === 'dcl' ? acc + 0.01 : undefined });
        }
      }
    }
  }

  it('knows which fields vary (batch size and seed do not count)', () => {
    assert.deepEqual(varyingFields(results), ['loss', 'temperature', 'optimizer.lr']);
  });

  it('defaults to rows = loss, columns = the first other varying field, one table per value of the rest', () => {
    const tables = resultsTables(results);
    assert.deepEqual(tables.map((t) => [t.metric, t.fixed]), [['knn', { 'optimizer.lr': 0.0003 }], ['knn', { 'optimizer.lr': 0.001 }], ['linear', { 'optimizer.lr': 0.0003 }], ['linear', { 'optimizer.lr': 0.001 }]]);
    assert.deepEqual(resultsRows(tables[1]), [
      ['kNN top-1 (%) · lr 0.001', 'τ 0.05', 'τ 0.2'],
      ['InfoNCE (SimCLR)', '56.00 ± 1.41', '71.00 ± 1.41'],
      ['DCL', '66.00 ± 1.41', '81.00 ± 1.41'],
    ]);
    assert.deepEqual(resultsRows(tables[3]).slice(1).map((r) => r[0] + ' ' + r[1]), ['InfoNCE (SimCLR) —', 'DCL 67.00 ± 1.41'], 'linear top-1 where present, a dash where not');
  });

  it('takes rows and columns by flag name or config path', () => {
    const layout = chooseLayout(results, { rows: 'lr', cols: 'temperature' });
    assert.deepEqual(layout, { rows: 'optimizer.lr', cols: 'temperature' });
    const tables = resultsTables(results, layout);
    assert.deepEqual(tables.map((t) => t.fixed.loss), ['infonce', 'dcl', 'infonce', 'dcl']);
    assert.deepEqual(resultsRows(tables[1])[0], ['kNN top-1 (%) · DCL', 'τ 0.05', 'τ 0.2']);
    assert.deepEqual(resultsRows(tables[1]).map((r) => r[0]).slice(1), ['lr 0.0003', 'lr 0.001']);
    assert.deepEqual(chooseLayout(results, { cols: 'optimizer.lr' }), { rows: 'loss', cols: 'optimizer.lr' });
  });

  it('refuses a field the sweep does not have, and rows = columns', () => {
    assert.throws(() => chooseLayout(results, { cols: 'weight-decay' }), /^Error: --cols weight-decay: not a field of this sweep; one of loss, batch-size, temperature, lr$/);
    assert.throws(() => chooseLayout(results, { rows: 'nonsense' }), /--rows nonsense: not a field of this sweep/);
    assert.throws(() => chooseLayout(results, { rows: 'temperature', cols: 'temperature' }), /both temperature; choose two different fields/);
  });
});
