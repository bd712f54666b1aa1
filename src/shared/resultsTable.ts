/**
 * The paper's table shape: kNN (or linear-evaluation) top-1 per loss (rows) × batch size (columns), mean ± std
 * over seeds.
 * Plain data so the CLI, the host and the charts webview print the same numbers.
 */
import { LOSS_KINDS, lossInfo } from './lossRegistry';
import type { LossKind } from './protocol';

export interface RunResult {
  loss: LossKind;
  batchSize: number;
  seed: number;
  /** Final kNN top-1 accuracy in [0, 1]; NaN when the run did not finish. */
  accuracy: number;
  /** Linear-evaluation top-1 in [0, 1] (status.json final.linearAccuracy); absent or NaN when the run has none. */
  linearAccuracy?: number;
}

/** Which accuracy a table shows. */
export type ResultMetric = 'knn' | 'linear';
const METRIC_TITLES: Record<ResultMetric, string> = { knn: 'kNN top-1 (%)', linear: 'linear top-1 (%)' };
const metricOf = (r: RunResult, metric: ResultMetric) => (metric === 'knn' ? r.accuracy : (r.linearAccuracy ?? NaN));

/** Whether a linear-evaluation table has anything to show. */
export function hasLinearResults(results: readonly RunResult[]): boolean {
  return results.some((r) => Number.isFinite(r.linearAccuracy));
}

export interface ResultCell {
  mean: number;
  std: number;
  n: number;
}

export interface ResultsTable {
  metric: ResultMetric;
  losses: LossKind[];
  batchSizes: number[];
  cells: Map<string, ResultCell>;
}

const key = (loss: string, batch: number) => `${loss}|${batch}`;

export function buildResultsTable(results: RunResult[], metric: ResultMetric = 'knn'): ResultsTable {
  const losses = LOSS_KINDS.filter((l) => results.some((r) => r.loss === l));
  const batchSizes = [...new Set(results.map((r) => r.batchSize))].sort((a, b) => a - b);
  const cells = new Map<string, ResultCell>();
  for (const loss of losses) {
    for (const b of batchSizes) {
      const acc = results.filter((r) => r.loss === loss && r.batchSize === b && Number.isFinite(metricOf(r, metric))).map((r) => metricOf(r, metric));
      if (!acc.length) continue;
      const mean = acc.reduce((a, x) => a + x, 0) / acc.length;
      // Sample std over seeds (n − 1), the usual "± std" of a results table; 0 for a single seed.
      const std = acc.length > 1 ? Math.sqrt(acc.reduce((a, x) => a + (x - mean) ** 2, 0) / (acc.length - 1)) : 0;
      cells.set(key(loss, b), { mean, std, n: acc.length });
    }
  }
  return { metric, losses, batchSizes, cells };
}

/** The kNN table, and the linear-evaluation one after it when any run has that result. */
export function resultsTables(results: RunResult[]): ResultsTable[] {
  return hasLinearResults(results) ? [buildResultsTable(results), buildResultsTable(results, 'linear')] : [buildResultsTable(results)];
}

export function cellOf(table: ResultsTable, loss: LossKind, batchSize: number): ResultCell | undefined {
  return table.cells.get(key(loss, batchSize));
}

function formatCell(c: ResultCell | undefined): string {
  if (!c) return '—';
  const pct = (x: number) => (x * 100).toFixed(2);
  return c.n > 1 ? `${pct(c.mean)} ± ${pct(c.std)}` : pct(c.mean);
}

/** Rows of strings: a header row, then one row per loss. */
export function resultsRows(table: ResultsTable): string[][] {
  return [
    [METRIC_TITLES[table.metric], ...table.batchSizes.map((b) => `batch ${b}`)],
    ...table.losses.map((l) => [lossInfo(l).tableLabel, ...table.batchSizes.map((b) => formatCell(cellOf(table, l, b)))]),
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
