/**
 * The comparison table in the shape of the DCL paper's tables: one row per loss, one column per batch size
 * (when batch sizes vary), each cell the best kNN top-1 accuracy with the final one in parentheses, and the
 * linear-evaluation top-1 after it once any run has one. Other settings that vary (τ, σ, seed…) split rows
 * further, so no two runs silently share a cell.
 */
import { lossInfo, lossOrder } from '../../../src/shared/lossRegistry';
import type { RunConfig } from '../../../src/shared/protocol';
import type { ChartRun } from './chartRun';
import { differingKeys, flattenConfig, keyLabel } from './configDiff';
import type { KnnSummary } from './knnChart';
import { toMarkdown } from './table';

export interface TableRun {
  run: ChartRun;
  config: RunConfig | null;
  knn: KnnSummary | null;
  /** Linear-evaluation top-1 in percent; null or absent when the run has none. */
  linear?: number | null;
}

export interface ComparisonTable {
  caption: string;
  header: string[];
  rows: string[][];
}


function cellText(r: TableRun, withLinear: boolean): string {
  const knn = r.knn ? `${r.knn.best.toFixed(1)} (${r.knn.final.toFixed(1)})` : '—';
  if (!withLinear) return knn;
  return `${knn} · ${r.linear != null ? r.linear.toFixed(1) : '—'}`;
}

export function comparisonTable(runs: readonly TableRun[]): ComparisonTable {
  const keys = differingKeys(runs.map((r) => r.config));
  const withLinear = runs.some((r) => r.linear != null);
  const byBatch = keys.includes('batchSize');
  const rowKeys = keys.filter((k) => k !== 'loss' && k !== 'batchSize');
  const batches = byBatch ? [...new Set(runs.map((r) => r.run.batchSize))].sort((a, b) => (a ?? Infinity) - (b ?? Infinity)) : [null];

  interface Row {
    loss: string;
    rest: string;
    cells: string[][];
  }
  const rows = new Map<string, Row>();
  for (const r of runs) {
    const flat = r.config ? flattenConfig(r.config) : new Map<string, string>();
    const loss = r.run.loss ?? 'unknown';
    const rest = rowKeys.map((k) => `${keyLabel(k)}=${flat.get(k) ?? '—'}`).join(', ');
    const id = `${loss}\u0000${rest}`;
    let row = rows.get(id);
    if (!row) {
      row = { loss, rest, cells: batches.map(() => []) };
      rows.set(id, row);
    }
    row.cells[byBatch ? batches.indexOf(r.run.batchSize) : 0].push(cellText(r, withLinear));
  }
  const sorted = [...rows.values()].sort((a, b) => lossOrder(a.loss) - lossOrder(b.loss) || a.rest.localeCompare(b.rest));
  const lossName = (loss: string) => lossInfo(loss).tableLabel;
  return {
    caption: withLinear ? 'Top-1 accuracy (%): kNN best (final) · linear evaluation' : 'kNN top-1 accuracy (%): best (final)',
    header: ['Loss', ...(byBatch ? batches.map((b) => `B = ${b ?? '?'}`) : [withLinear ? 'kNN · linear top-1 (%)' : 'kNN top-1 (%)'])],
    rows: sorted.map((row) => [
      row.rest ? `${lossName(row.loss)}, ${row.rest}` : lossName(row.loss),
      // Identical configs (repeats) share a cell: list every run's value rather than hide one.
      ...row.cells.map((c) => (c.length ? c.join(' / ') : '—')),
    ]),
  };
}

export function comparisonMarkdown(table: ComparisonTable): string {
  return `${table.caption}\n\n${toMarkdown(table.header, table.rows)}`;
}
