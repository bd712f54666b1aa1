import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparisonMarkdown, comparisonTable, type TableRun } from '../../webview/charts/data/comparisonTable';
import { knnSummary } from '../../webview/charts/data/knnChart';
import { stackTables, toCsv, toMarkdown } from '../../webview/charts/data/table';
import { fixtureConfig, CHARTS_FIXTURE, type FixtureRunOptions } from './fixtureRun';
import { fixtureChartRun } from './seriesHelpers';

function tableRun(o: Partial<FixtureRunOptions>): TableRun {
  const run = fixtureChartRun(o);
  return { run, config: fixtureConfig({ ...CHARTS_FIXTURE, ...o }), knn: knnSummary(run) };
}

test('the comparison table has the paper’s shape: rows = loss, columns = batch size', () => {
  const runs = [
    tableRun({ loss: 'dcl', batchSize: 256 }),
    tableRun({ loss: 'infonce', batchSize: 32 }),
    tableRun({ loss: 'dcl', batchSize: 32 }),
    tableRun({ loss: 'infonce', batchSize: 256 }),
  ];
  const t = comparisonTable(runs);
  assert.deepEqual(t.header, ['Loss', 'B = 32', 'B = 256']);
  assert.deepEqual(t.rows.map((r) => r[0]), ['InfoNCE (SimCLR)', 'DCL']);
  const cell = (r: TableRun) => `${r.knn!.best.toFixed(1)} (${r.knn!.final.toFixed(1)})`;
  assert.deepEqual(t.rows[0].slice(1), [cell(runs[1]), cell(runs[3])]);
  assert.deepEqual(t.rows[1].slice(1), [cell(runs[2]), cell(runs[0])]);
});

test('other varying settings split rows; a single batch size gives one value column', () => {
  const t = comparisonTable([tableRun({ loss: 'dcl', temperature: 0.1 }), tableRun({ loss: 'dcl', temperature: 0.5 }), tableRun({ loss: 'infonce', temperature: 0.1 })]);
  assert.deepEqual(t.header, ['Loss', 'kNN top-1 (%)']);
  assert.deepEqual(t.rows.map((r) => r[0]), ['InfoNCE (SimCLR), τ=0.1', 'DCL, τ=0.1', 'DCL, τ=0.5']);
});

test('a run with no kNN evaluation yet shows a dash, not a number', () => {
  const noKnn = tableRun({ loss: 'dclw' });
  const t = comparisonTable([tableRun({ loss: 'dcl' }), { ...noKnn, knn: null }]);
  assert.equal(t.rows[1][1], '—');
});

test('kNN summary: best and final in percent, best at its epoch', () => {
  const s = knnSummary(fixtureChartRun())!;
  assert.ok(s.best >= s.final - 1e-9);
  assert.ok(s.best > 50 && s.best < 100, `best ${s.best}`);
  assert.equal(s.evaluations, CHARTS_FIXTURE.epochs + 1);
  assert.ok(Number.isInteger(Math.round(s.bestEpoch)));
});

test('Markdown tables escape pipes and align numbers right', () => {
  const md = toMarkdown(['Loss', 'B = 32'], [['a|b', '61.2 (60.9)']]);
  assert.equal(md, '| Loss | B = 32 |\n| :--- | ---: |\n| a\\|b | 61.2 (60.9) |\n');
  const table = comparisonTable([tableRun({ loss: 'dcl', batchSize: 32 }), tableRun({ loss: 'dcl', batchSize: 64 })]);
  const full = comparisonMarkdown(table);
  assert.ok(full.startsWith('kNN top-1 accuracy (%): best (final)\n\n| Loss | B = 32 | B = 64 |\n'));
});

test('CSV quotes separators, doubles quotes and leaves non-finite numbers empty', () => {
  const csv = toCsv({ header: ['run', 'value'], columns: [['a,b', 'say "hi"'], [1.5, NaN]] });
  assert.equal(csv, 'run,value\n"a,b",1.5\n"say ""hi""",\n');
});

test('per-run tables stack into one long table with a run column', () => {
  const t = stackTables([
    { name: 'A', table: { header: ['step', 'loss'], columns: [[1, 2], [0.5, 0.4]] } },
    { name: 'B', table: { header: ['step', 'loss'], columns: [[1], [0.7]] } },
  ]);
  assert.equal(toCsv(t), 'run,step,loss\nA,1,0.5\nA,2,0.4\nB,1,0.7\n');
});
