/**
 * The sweep results table: kNN (or linear-evaluation) top-1, mean ± std over seeds, pivoted on the fields the
 * sweep varies. Rows and columns are two of those fields (by default rows = loss, columns = the first other
 * varying field, else batch size: the paper's loss × batch table); every further varying field splits the
 * results into one table per combination of its values, so a cell never mixes settings.
 * Plain data so the CLI, the host and the charts webview print the same numbers.
 */
import { lossInfo } from './lossRegistry';
import type { LossKind, RunConfig } from './protocol';
import { configValue, findSweepField, GridError, sortGridValues, sweepField, type GridPoint, type GridValue } from './sweepGrid';

export interface RunResult {
  loss: LossKind;
  batchSize: number;
  seed: number;
  /** The values of the sweep's other grid fields (config path → value), e.g. {temperature: 0.1, 'optimizer.lr': 0.001}. */
  fields?: GridPoint;
  /** Final kNN top-1 accuracy in [0, 1]; NaN when the run did not finish. */
  accuracy: number;
  /** Linear-evaluation top-1 in [0, 1] (status.json final.linearAccuracy); absent or NaN when the run has none. */
  linearAccuracy?: number;
}

/** A run's row: its values of the sweep's grid fields (config paths) and its accuracies (NaN where it has none). */
export function resultFromConfig(config: RunConfig, gridFields: readonly string[], accuracy: number, linearAccuracy: number): RunResult {
  const fields: GridPoint = {};
  for (const f of gridFields) {
    const v = configValue(config, f);
    if (v !== undefined && f !== 'loss' && f !== 'batchSize') fields[f] = v;
  }
  return { loss: config.loss, batchSize: config.batchSize, seed: config.seed, fields, accuracy, linearAccuracy };
}

/** Which accuracy a table shows. */
export type ResultMetric = 'knn' | 'linear';
const METRIC_TITLES: Record<ResultMetric, string> = { knn: 'kNN top-1 (%)', linear: 'linear top-1 (%)' };
const metricOf = (r: RunResult, metric: ResultMetric) => (metric === 'knn' ? r.accuracy : (r.linearAccuracy ?? NaN));

/** Whether a linear-evaluation table has anything to show. */
export function hasLinearResults(results: readonly RunResult[]): boolean {
  return results.some((r) => Number.isFinite(r.linearAccuracy));
}

/** Which config fields (paths) make the rows and the columns. */
export interface TableLayout {
  rows: string;
  cols: string;
}

export interface ResultCell {
  mean: number;
  std: number;
  n: number;
}

export interface ResultsTable {
  metric: ResultMetric;
  layout: TableLayout;
  rowValues: GridValue[];
  colValues: GridValue[];
  /** The other varying fields' values that every run of this table shares (empty when only two fields vary). */
  fixed: GridPoint;
  cells: Map<string, ResultCell>;
}

function valueOf(r: RunResult, field: string): GridValue | undefined {
  if (field === 'loss') return r.loss;
  if (field === 'batchSize') return r.batchSize;
  return r.fields?.[field];
}

/** Loss and batch size, then the grid fields in the order the runs name them. */
function knownFields(results: readonly RunResult[]): string[] {
  const fields = ['loss', 'batchSize'];
  for (const r of results) for (const f of Object.keys(r.fields ?? {})) if (!fields.includes(f)) fields.push(f);
  return fields;
}

const distinct = (results: readonly RunResult[], field: string): GridValue[] =>
  sortGridValues(field, [...new Set(results.map((r) => valueOf(r, field)).filter((v): v is GridValue => v !== undefined))]);

/** The fields with more than one value among the results. */
export function varyingFields(results: readonly RunResult[]): string[] {
  return knownFields(results).filter((f) => distinct(results, f).length > 1);
}

/**
 * The layout from `--rows` / `--cols` (a train flag like `lr`, or a path like `optimizer.lr`), each optional:
 * rows default to loss, columns to the first other varying field (batch size when none varies).
 * Throws GridError for a field the results do not have, or rows = columns.
 */
export function chooseLayout(results: readonly RunResult[], wanted: { rows?: string; cols?: string } = {}): TableLayout {
  const fields = knownFields(results);
  const pick = (name: string | undefined, what: string) => {
    if (name === undefined) return undefined;
    const f = findSweepField(name)?.path;
    if (!f || !fields.includes(f)) throw new GridError(`--${what} ${name}: not a field of this sweep; one of ${fields.map((x) => sweepField(x).flag).join(', ')}`);
    return f;
  };
  const rows = pick(wanted.rows, 'rows') ?? 'loss';
  const varying = varyingFields(results).filter((f) => f !== rows);
  const cols = pick(wanted.cols, 'cols') ?? varying[0] ?? (rows === 'batchSize' ? 'loss' : 'batchSize');
  if (rows === cols) throw new GridError(`--rows and --cols are both ${sweepField(rows).flag}; choose two different fields`);
  return { rows, cols };
}

const cellKey = (row: GridValue, col: GridValue) => `${row}|${col}`;

function mean(values: number[]): ResultCell {
  const m = values.reduce((a, x) => a + x, 0) / values.length;
  // Sample std over seeds (n − 1), the usual "± std" of a results table; 0 for a single seed.
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, x) => a + (x - m) ** 2, 0) / (values.length - 1)) : 0;
  return { mean: m, std, n: values.length };
}

/** One table per combination of the varying fields that are neither rows nor columns. */
export function buildResultsTables(results: readonly RunResult[], metric: ResultMetric = 'knn', layout: TableLayout = chooseLayout(results)): ResultsTable[] {
  const others = varyingFields(results).filter((f) => f !== layout.rows && f !== layout.cols);
  const splits = others.reduce<GridPoint[]>((acc, f) => acc.flatMap((p) => distinct(results, f).map((v) => ({ ...p, [f]: v }))), [{}]);
  return splits.map((fixed) => {
    const mine = results.filter((r) => Object.entries(fixed).every(([f, v]) => valueOf(r, f) === v));
    const rowValues = distinct(mine, layout.rows);
    const colValues = distinct(mine, layout.cols);
    const cells = new Map<string, ResultCell>();
    for (const row of rowValues) {
      for (const col of colValues) {
        const acc = mine.filter((r) => valueOf(r, layout.rows) === row && valueOf(r, layout.cols) === col).map((r) => metricOf(r, metric)).filter(Number.isFinite);
        if (acc.length) cells.set(cellKey(row, col), mean(acc));
      }
    }
    return { metric, layout, rowValues, colValues, fixed, cells };
  });
}

/** The kNN tables, and the linear-evaluation ones after them when any run has that result. */
export function resultsTables(results: readonly RunResult[], layout: TableLayout = chooseLayout(results)): ResultsTable[] {
  const knn = buildResultsTables(results, 'knn', layout);
  return hasLinearResults(results) ? [...knn, ...buildResultsTables(results, 'linear', layout)] : knn;
}

export function cellOf(table: ResultsTable, row: GridValue, col: GridValue): ResultCell | undefined {
  return table.cells.get(cellKey(row, col));
}

/** `DCL`, `batch 64`, `τ 0.05`, `lr 0.001`. */
export function valueLabel(field: string, value: GridValue): string {
  if (field === 'loss') return lossInfo(value as LossKind).tableLabel;
  return `${sweepField(field).label} ${value}`;
}

function formatCell(c: ResultCell | undefined): string {
  if (!c) return '—';
  const pct = (x: number) => (x * 100).toFixed(2);
  return c.n > 1 ? `${pct(c.mean)} ± ${pct(c.std)}` : pct(c.mean);
}

/** Rows of strings: a header row (the metric, then the fixed fields of this table), then one row per row value. */
export function resultsRows(table: ResultsTable): string[][] {
  const { rows, cols } = table.layout;
  const title = [METRIC_TITLES[table.metric], ...Object.entries(table.fixed).map(([f, v]) => valueLabel(f, v))].join(' · ');
  return [
    [title, ...table.colValues.map((c) => valueLabel(cols, c))],
    ...table.rowValues.map((r) => [valueLabel(rows, r), ...table.colValues.map((c) => formatCell(cellOf(table, r, c)))]),
  ];
}

export function formatPlainTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}

export function formatMarkdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(head), `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
