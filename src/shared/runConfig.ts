/**
 * Run config defaults, merging and validation. Plain data only: the CLI, the trainer child and the
 * extension host all validate with the same rules, so a config that the host accepts never fails in the child.
 */
import {
  BACKEND_PREFERENCES,
  DATASET_KINDS,
  ENCODER_KINDS,
  FOLDER_DATASETS,
  OPTIMIZER_KINDS,
  SCHEDULES,
  LOSS_KINDS,
  type BackendPreference,
  type DatasetKind,
  type EncoderKind,
  type LossKind,
  type RunConfig,
} from './protocol';

export const DEFAULT_RUN_CONFIG: RunConfig = {
  loss: 'dcl',
  temperature: 0.1,
  sigma: 0.5,
  dataset: 'mnist',
  useUnlabeled: false,
  subset: 0,
  testSubset: 0,
  encoder: 'cnn',
  projection: [512, 128],
  batchSize: 256,
  epochs: 10,
  optimizer: { kind: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 1e-6, warmupEpochs: 0, schedule: 'cosine' },
  seed: 0,
  backend: 'auto',
  knn: { k: 200, t: 0.1, everyEpochs: 1, everySteps: 0 },
  embeddings: { layers: ['encoder'], maxPoints: 10_000, keepLast: 3 },
  logEvery: 10,
  runsDir: '.dcl/runs',
};

/** A partial config as written by people: every field optional, nested objects partial too. */
export type RunConfigInput = Partial<Omit<RunConfig, 'optimizer' | 'knn' | 'embeddings'>> & {
  optimizer?: Partial<RunConfig['optimizer']>;
  knn?: Partial<RunConfig['knn']>;
  embeddings?: Partial<RunConfig['embeddings']>;
};

/** Config fields that are objects and merge field by field. */
const NESTED = ['optimizer', 'knn', 'embeddings'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `invalid run config: ${problems[0]}` : `invalid run config:\n  - ${problems.join('\n  - ')}`);
  }
}

const TOP_KEYS = new Set(Object.keys(DEFAULT_RUN_CONFIG).concat(['name', 'dataDir', 'sweepId']));
const OPTIMIZER_KEYS = new Set(Object.keys(DEFAULT_RUN_CONFIG.optimizer));
const KNN_KEYS = new Set(Object.keys(DEFAULT_RUN_CONFIG.knn));
const EMBEDDING_KEYS = new Set(Object.keys(DEFAULT_RUN_CONFIG.embeddings));

/** Later inputs override earlier ones; nested objects merge field by field. */
export function mergeConfig(...inputs: (RunConfigInput | undefined)[]): RunConfigInput {
  const out: RunConfigInput = {};
  for (const input of inputs) {
    if (!input) continue;
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined) continue;
      if ((NESTED as readonly string[]).includes(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        (out as Record<string, unknown>)[key] = { ...((out as Record<string, unknown>)[key] as object | undefined), ...value };
      } else {
        (out as Record<string, unknown>)[key] = value;
      }
    }
  }
  return out;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, problems: string[]): void {
  if (!allowed.includes(value as T)) problems.push(`${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
}

function num(value: unknown, field: string, problems: string[], rule: { min?: number; minExclusive?: number; max?: number; integer?: boolean }): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`${field} must be a number; got ${JSON.stringify(value)}`);
    return;
  }
  if (rule.integer && !Number.isInteger(value)) problems.push(`${field} must be a whole number; got ${value}`);
  if (rule.min !== undefined && value < rule.min) problems.push(`${field} must be ≥ ${rule.min}; got ${value}`);
  if (rule.minExclusive !== undefined && value <= rule.minExclusive) problems.push(`${field} must be > ${rule.minExclusive}; got ${value}`);
  if (rule.max !== undefined && value > rule.max) problems.push(`${field} must be ≤ ${rule.max}; got ${value}`);
}

function unknownKeys(obj: object, allowed: Set<string>, prefix: string, problems: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) problems.push(`unknown field "${prefix}${key}" (allowed: ${[...allowed].join(', ')})`);
  }
}

/** Fills defaults and checks every field; throws ConfigError listing every problem with the fix. */
export function resolveConfig(input: unknown): RunConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(['the config must be a JSON object like {"loss": "dcl", "batchSize": 256}']);
  }
  const problems: string[] = [];
  unknownKeys(input, TOP_KEYS, '', problems);
  const raw = input as RunConfigInput;
  for (const nested of NESTED) {
    const v = raw[nested];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) problems.push(`${nested} must be an object`);
  }
  if (problems.length) throw new ConfigError(problems);
  const merged = mergeConfig(DEFAULT_RUN_CONFIG, raw) as RunConfig;
  unknownKeys(merged.optimizer, OPTIMIZER_KEYS, 'optimizer.', problems);
  unknownKeys(merged.knn, KNN_KEYS, 'knn.', problems);
  unknownKeys(merged.embeddings, EMBEDDING_KEYS, 'embeddings.', problems);

  if (merged.name !== undefined && typeof merged.name !== 'string') problems.push('name must be a string');
  if (merged.sweepId !== undefined && typeof merged.sweepId !== 'string') problems.push('sweepId must be a string');
  oneOf<LossKind>(merged.loss, LOSS_KINDS, 'loss', problems);
  num(merged.temperature, 'temperature', problems, { minExclusive: 0 });
  num(merged.sigma, 'sigma', problems, { minExclusive: 0 });
  oneOf<DatasetKind>(merged.dataset, DATASET_KINDS, 'dataset', problems);
  if (merged.dataDir !== undefined && typeof merged.dataDir !== 'string') problems.push('dataDir must be a folder path (string)');
  if (FOLDER_DATASETS.includes(merged.dataset) && !merged.dataDir) {
    problems.push(`dataset "${merged.dataset}" needs dataDir (the folder holding its files; on the command line --data-dir DIR)`);
  }
  if (typeof merged.useUnlabeled !== 'boolean') problems.push(`useUnlabeled must be true or false; got ${JSON.stringify(merged.useUnlabeled)}`);
  else if (merged.useUnlabeled && merged.dataset !== 'stl10') problems.push(`useUnlabeled needs dataset "stl10" (the only one with an unlabeled split); got "${merged.dataset}"`);
  num(merged.subset, 'subset', problems, { min: 0, integer: true });
  num(merged.testSubset, 'testSubset', problems, { min: 0, integer: true });
  oneOf<EncoderKind>(merged.encoder, ENCODER_KINDS, 'encoder', problems);
  if (!Array.isArray(merged.projection) || merged.projection.length === 0) {
    problems.push('projection must be a non-empty list of layer sizes, e.g. [512, 128]');
  } else {
    merged.projection.forEach((v, i) => num(v, `projection[${i}]`, problems, { min: 1, integer: true }));
  }
  num(merged.batchSize, 'batchSize', problems, { min: 2, integer: true });
  num(merged.epochs, 'epochs', problems, { min: 1, integer: true });
  oneOf(merged.optimizer.kind, OPTIMIZER_KINDS, 'optimizer.kind', problems);
  num(merged.optimizer.lr, 'optimizer.lr', problems, { minExclusive: 0 });
  num(merged.optimizer.momentum, 'optimizer.momentum', problems, { min: 0, max: 1 });
  num(merged.optimizer.weightDecay, 'optimizer.weightDecay', problems, { min: 0 });
  num(merged.optimizer.warmupEpochs, 'optimizer.warmupEpochs', problems, { min: 0 });
  oneOf(merged.optimizer.schedule, SCHEDULES, 'optimizer.schedule', problems);
  num(merged.seed, 'seed', problems, { min: 0, integer: true });
  oneOf<BackendPreference>(merged.backend, BACKEND_PREFERENCES, 'backend', problems);
  num(merged.knn.k, 'knn.k', problems, { min: 1, integer: true });
  num(merged.knn.t, 'knn.t', problems, { minExclusive: 0 });
  num(merged.knn.everyEpochs, 'knn.everyEpochs', problems, { min: 0, integer: true });
  num(merged.knn.everySteps, 'knn.everySteps', problems, { min: 0, integer: true });
  const layers = merged.embeddings.layers;
  if (!Array.isArray(layers) || !layers.every((l) => l === 'encoder' || l === 'projection')) {
    problems.push(`embeddings.layers must be a list of "encoder" and/or "projection"; got ${JSON.stringify(layers)}`);
  }
  num(merged.embeddings.maxPoints, 'embeddings.maxPoints', problems, { min: 0, integer: true });
  num(merged.embeddings.keepLast, 'embeddings.keepLast', problems, { min: 0, integer: true });
  num(merged.logEvery, 'logEvery', problems, { min: 1, integer: true });
  if (typeof merged.runsDir !== 'string' || merged.runsDir.trim() === '') problems.push('runsDir must be a folder path');
  if (problems.length) throw new ConfigError(problems);
  return merged;
}

/** A short human label: the name, or "dcl · b256 · τ0.1". */
export function runLabel(config: Pick<RunConfig, 'name' | 'loss' | 'batchSize' | 'temperature'>): string {
  return config.name?.trim() || `${config.loss} · b${config.batchSize} · τ${config.temperature}`;
}
