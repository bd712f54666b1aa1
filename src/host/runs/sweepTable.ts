/**
 * A sweep's results in Markdown for "Compare sweep": pivoted on the fields its record (`.sweeps/<id>.json`,
 * next to its runs) says vary; without a record (older sweeps, a deleted file) on the fields its runs' configs
 * differ in, so a cell never mixes settings. Unfinished runs are missing cells. Plain Node so it is tested
 * without VS Code.
 */
import * as path from 'node:path';
import { gridFieldsOf, readSweepRecord } from '../../launchers/sweepRecord';
import { formatMarkdownTable, resultFromConfig, resultsRows, resultsTables } from '../../shared/resultsTable';
import { variedFields } from '../../shared/sweepGrid';
import type { SweepGroup } from './sweepGrouping';

export function sweepMarkdownTable(group: SweepGroup): string {
  const record = group.runs.length ? readSweepRecord(path.dirname(group.runs[0].runDir), group.sweepId) : undefined;
  const configs = group.runs.flatMap((r) => (r.config ? [r.config] : []));
  const fields = record ? gridFieldsOf(record) : variedFields(configs).map((a) => a.field);
  const results = group.runs.flatMap((r) => {
    if (!r.config) return [];
    const done = r.state === 'finished';
    return [resultFromConfig(r.config, fields, done ? (r.status?.final?.knnAccuracy ?? r.metrics.knnAccuracy ?? NaN) : NaN, done ? (r.status?.final?.linearAccuracy ?? r.metrics.linearAccuracy ?? NaN) : NaN)];
  });
  return resultsTables(results).map((t) => formatMarkdownTable(resultsRows(t))).join('\n');
}
