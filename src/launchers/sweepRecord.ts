/**
 * A sweep's record: `<runsRoot>/.sweeps/<sweepId>.json`, written by whoever starts the sweep (CLI or VS Code)
 * before any run is launched. It keeps the grid (the varied fields and their values, and the seeds) so a
 * results table read later knows which config fields vary, however many runs have finished. Dot-named, like
 * `.slurm/`, so the run list does not show it as a run. Its runs are those whose config.json has its sweepId.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GridAxis } from '../shared/sweepGrid';

export const SWEEP_RECORD_VERSION = 1;

export interface SweepRecord {
  version: typeof SWEEP_RECORD_VERSION;
  sweepId: string;
  createdAt: string;
  /** loss, batchSize, then the `--grid` fields, as planned. */
  axes: GridAxis[];
  seeds: number[];
}

/** Only plain ids name a file: a sweepId read from someone's config.json must not reach outside `.sweeps/`. */
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export const sweepRecordPath = (runsRoot: string, sweepId: string): string => path.join(runsRoot, '.sweeps', `${sweepId}.json`);

export function writeSweepRecord(runsRoot: string, record: Omit<SweepRecord, 'version' | 'createdAt'>): string {
  if (!SAFE_ID.test(record.sweepId)) throw new Error(`sweep id ${JSON.stringify(record.sweepId)} cannot name a file`);
  const file = sweepRecordPath(runsRoot, record.sweepId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const full: SweepRecord = { version: SWEEP_RECORD_VERSION, sweepId: record.sweepId, createdAt: new Date().toISOString(), axes: record.axes, seeds: record.seeds };
  fs.writeFileSync(file, JSON.stringify(full, null, 2) + '\n');
  return file;
}

/** The record, or undefined when there is none (sweeps from before records) or it is unreadable. */
export function readSweepRecord(runsRoot: string, sweepId: string): SweepRecord | undefined {
  if (!SAFE_ID.test(sweepId)) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(sweepRecordPath(runsRoot, sweepId), 'utf8')) as SweepRecord;
    return r.version === SWEEP_RECORD_VERSION && Array.isArray(r.axes) && r.axes.every((a) => typeof a?.field === 'string') ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The varied fields beyond loss and batch size (which every result carries anyway). */
export const gridFieldsOf = (record: SweepRecord | undefined): string[] =>
  (record?.axes ?? []).map((a) => a.field).filter((f) => f !== 'loss' && f !== 'batchSize');

