/**
 * A sweep's grid: the run-config fields it varies, each with its values. The runs are the cartesian product of
 * the axes (× seeds, which the results table averages over). Plain data so the CLI (`sweep --grid`), the VS Code
 * sweep flow and the results table read fields, names and values the same way, and every grid point is
 * validated by the single-run rules (resolveConfig) before anything is launched.
 */
import { LOSS_KINDS } from './lossRegistry';
import { CONFIG_FIELDS, type ConfigPath } from './configFields';
import type { RunConfig } from './protocol';
import { ConfigError, DEFAULT_RUN_CONFIG, mergeConfig, resolveConfig, type RunConfigInput } from './runConfig';

export type GridValue = number | string;

/** One varied field: `field` is the config path (`temperature`, `optimizer.lr`). */
export interface GridAxis {
  field: string;
  values: GridValue[];
}

/** A field a sweep can vary: its config path, the train flag that names it, and its short table label. */
export interface SweepField {
  path: string;
  flag: string;
  label: string;
}

/** A sweepable field; its train flag comes from the field table. */
const sweepable = (path: ConfigPath, label: string): SweepField => ({ path, flag: CONFIG_FIELDS[path].flag?.name ?? path, label });

/**
 * The sweepable fields, in the order the results table prefers them for columns. Loss and batch size have
 * their own shorthands (`--losses`, `--batch-sizes`); seeds are not a field here because the table averages
 * over them.
 */
export const SWEEP_FIELDS: readonly SweepField[] = [
  sweepable('loss', 'loss'),
  sweepable('batchSize', 'batch'),
  sweepable('temperature', 'τ'),
  sweepable('sigma', 'σ'),
  sweepable('optimizer.lr', 'lr'),
  sweepable('optimizer.weightDecay', 'wd'),
  sweepable('optimizer.momentum', 'momentum'),
  sweepable('optimizer.warmupEpochs', 'warm-up'),
  sweepable('optimizer.kind', 'optimizer'),
  sweepable('epochs', 'epochs'),
  sweepable('encoder', 'encoder'),
  sweepable('subset', 'subset'),
  sweepable('knn.k', 'kNN k'),
  sweepable('knn.t', 'kNN t'),
];

/** Fields `--grid` takes (loss and batch size keep their shorthands, so a sweep has one way to say each). */
export const GRID_FIELDS: readonly SweepField[] = SWEEP_FIELDS.filter((f) => f.path !== 'loss' && f.path !== 'batchSize');

export class GridError extends Error {}

/** The field named by its train flag (`lr`), its config path (`optimizer.lr`) or its path's last part (`weightDecay`). */
export function findSweepField(name: string, among: readonly SweepField[] = SWEEP_FIELDS): SweepField | undefined {
  const n = name.trim();
  return among.find((f) => f.flag === n || f.path === n || f.path.split('.').at(-1) === n);
}

export const sweepField = (path: string): SweepField => findSweepField(path) ?? { path, flag: path, label: path };

/** The value at a config path. */
export function configValue(config: RunConfig, path: string): GridValue | undefined {
  let v: unknown = config;
  for (const part of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** A config input that sets one path (nested objects merge field by field through mergeConfig). */
function inputAt(path: string, value: GridValue): RunConfigInput {
  const parts = path.split('.');
  let out: Record<string, unknown> = { [parts.at(-1) as string]: value };
  for (const part of parts.slice(0, -1).reverse()) out = { [part]: out };
  return out;
}

/** `temperature=0.05,0.1` → an axis; numbers where the field is a number (its default tells), words otherwise. */
export function parseGridArg(text: string): GridAxis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new GridError(`--grid needs FIELD=V1,V2,… (e.g. temperature=0.05,0.1); got "${text}"`);
  const name = text.slice(0, eq).trim();
  if (name === 'loss' || name === 'batch-size' || name === 'batchSize' || name === 'seed') {
    throw new GridError(`--grid ${name}: use --${name === 'loss' ? 'losses' : name === 'seed' ? 'seeds' : 'batch-sizes'} for it`);
  }
  const field = findSweepField(name, GRID_FIELDS);
  if (!field) throw new GridError(`--grid ${name}: not a field a sweep can vary; one of ${GRID_FIELDS.map((f) => f.flag).join(', ')}`);
  const numeric = typeof configValue(DEFAULT_RUN_CONFIG, field.path) === 'number';
  const items = text.slice(eq + 1).split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new GridError(`--grid ${name}: give at least one value after "="`);
  const values: GridValue[] = [];
  for (const item of items) {
    const v = numeric ? Number(item) : item;
    if (numeric && !Number.isFinite(v)) throw new GridError(`--grid ${name}=${item}: not a number`);
    if (!values.includes(v)) values.push(v);
  }
  return { field: field.path, values };
}

/** Several `--grid` arguments; a field given twice is refused (which one was meant?). */
export function parseGridArgs(texts: readonly string[]): GridAxis[] {
  const axes = texts.map(parseGridArg);
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.field)) throw new GridError(`--grid ${sweepField(a.field).flag} is given twice; list all its values in one --grid`);
    seen.add(a.field);
  }
  return axes;
}

/** How a value was given: `--losses dcl`, `--batch-sizes 8`, `--grid lr=0.1`. */
function valueArg(field: string, value: GridValue): string {
  if (field === 'loss') return `--losses ${value}`;
  if (field === 'batchSize') return `--batch-sizes ${value}`;
  return `--grid ${sweepField(field).flag}=${value}`;
}

/**
 * Each value of each axis against the single-run rules, so a bad value is named alone ("--grid temperature=-1:
 * temperature must be > 0; got -1") before any combination is built. The settings shared by all runs are
 * checked first, so their own problem is not blamed on a grid value.
 */
export function checkGridValues(base: RunConfigInput, axes: readonly GridAxis[]): void {
  try {
    resolveConfig(base);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new GridError(`the settings every run shares: ${e.problems.join('; ')}`);
  }
  for (const axis of axes) {
    for (const value of axis.values) {
      try {
        resolveConfig(mergeConfig(base, inputAt(axis.field, value)));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        throw new GridError(`${valueArg(axis.field, value)}: ${e.problems.join('; ')}`);
      }
    }
  }
}

/** One grid point: a value per axis field. */
export type GridPoint = Record<string, GridValue>;

/** The cartesian product, first axis slowest (loss-major, as the table reads). */
export function gridPoints(axes: readonly GridAxis[]): GridPoint[] {
  return axes.reduce<GridPoint[]>((points, axis) => points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.field]: v }))), [{}]);
}

/** `dcl b64 τ=0.05 lr=0.001`: loss bare, other fields by their short label. */
export function pointLabel(point: GridPoint): string {
  return Object.entries(point)
    .map(([field, v]) => (field === 'loss' ? String(v) : field === 'batchSize' ? `b${v}` : `${sweepField(field).label}=${v}`))
    .join(' ');
}

/** `loss=dcl batch-size=64 temperature=0.05`: a point in the train flags' words. */
export function gridDescription(point: GridPoint): string {
  return Object.entries(point).map(([field, v]) => `${sweepField(field).flag}=${v}`).join(' ');
}

/** The `--grid` fields whose values differ among these configs, with their values (sorted). */
export function variedFields(configs: readonly RunConfig[]): GridAxis[] {
  return GRID_FIELDS.flatMap((f) => {
    const values = sortGridValues(f.path, [...new Set(configs.map((c) => configValue(c, f.path)).filter((v): v is GridValue => v !== undefined))]);
    return values.length > 1 ? [{ field: f.path, values }] : [];
  });
}

export interface PlannedRun {
  config: RunConfig;
  point: GridPoint;
  label: string;
}

/**
 * Every run of the sweep (grid points × seeds), each a complete validated config sharing `sweepId`.
 * Throws GridError naming the run whose combination is invalid.
 */
export function planSweep(base: RunConfigInput, axes: readonly GridAxis[], seeds: readonly number[], sweepId: string): PlannedRun[] {
  checkGridValues(base, axes);
  const runs: PlannedRun[] = [];
  for (const point of gridPoints(axes)) {
    for (const seed of seeds) {
      const label = `${pointLabel(point)} seed ${seed}`;
      const fields = Object.entries(point).map(([field, v]) => inputAt(field, v));
      try {
        const config = resolveConfig(mergeConfig(base, ...fields, { seed, sweepId, name: `${base.name ? `${base.name}: ` : ''}${label}` }));
        runs.push({ config, point, label });
      } catch (e) {
        if (e instanceof ConfigError) throw new GridError(`${label}: ${e.message}`);
        throw e;
      }
    }
  }
  return runs;
}

/** The loss and batch-size axes of today's shorthands, then the `--grid` axes. */
export function sweepAxes(losses: readonly string[], batchSizes: readonly number[], grid: readonly GridAxis[]): GridAxis[] {
  return [{ field: 'loss', values: [...losses] }, { field: 'batchSize', values: [...batchSizes] }, ...grid];
}

/** Losses sort in the paper's order, numbers ascending, other words as given. */
export function sortGridValues(field: string, values: readonly GridValue[]): GridValue[] {
  if (field === 'loss') return (LOSS_KINDS as readonly string[]).filter((l) => values.includes(l));
  return values.every((v) => typeof v === 'number') ? [...values].sort((a, b) => a - b) : [...values];
}
