/**
 * Turns a partial run config (a `*.dclrun.json` file, an old run's config.json) into a complete RunConfig:
 * every field is checked, unknown fields are rejected (a typo must not silently fall back to a default),
 * and missing fields come from the given defaults (the settings, unlike the CLI's fixed defaults). The
 * result then passes the trainer's own check (src/shared/runConfig.ts), so a config accepted here never
 * fails in the child. `schemas/dclrun.schema.json` describes the same rules for the editor;
 * test/host/manifest.test.ts keeps the two in step.
 */
import {
  BACKEND_PREFERENCES,
  DATASET_KINDS,
  ENCODER_KINDS,
  FOLDER_DATASETS,
  LOSS_KINDS,
  OPTIMIZER_KINDS,
  SCHEDULES,
  type RunConfig,
} from '../../shared/protocol';
import { EMBEDDING_LAYERS } from '../../shared/embeddingFiles';
import { ConfigError, resolveConfig } from '../../shared/runConfig';
import {
  anyString,
  arrayOf,
  checkBatchSize,
  checkEpochs,
  checkSigma,
  checkTemperature,
  integerIn,
  nonEmptyString,
  numberIn,
  oneOf,
  type Check,
} from './validators';

type Spec = { [key: string]: Check | Spec };

const OPTIMIZER_SPEC: Spec = {
  kind: oneOf(OPTIMIZER_KINDS),
  lr: numberIn(0, Infinity, true),
  momentum: numberIn(0, 1),
  weightDecay: numberIn(0),
  warmupEpochs: numberIn(0),
  schedule: oneOf(SCHEDULES),
};

const KNN_SPEC: Spec = {
  k: integerIn(1),
  t: numberIn(0, Infinity, true),
  everyEpochs: integerIn(0),
  everySteps: integerIn(0),
};

const EMBEDDINGS_SPEC: Spec = {
  layers: arrayOf(oneOf(EMBEDDING_LAYERS), 0, EMBEDDING_LAYERS.length),
  maxPoints: integerIn(0),
  keepLast: integerIn(0),
};

/** Every RunConfig field and its check; nested objects have nested specs. */
export const RUN_CONFIG_SPEC: Spec = {
  name: anyString,
  loss: oneOf(LOSS_KINDS),
  temperature: checkTemperature,
  sigma: checkSigma,
  dataset: oneOf(DATASET_KINDS),
  dataDir: nonEmptyString,
  useUnlabeled: (v: unknown) => (typeof v === 'boolean' ? undefined : `must be true or false; got ${JSON.stringify(v)}`),
  subset: integerIn(0),
  testSubset: integerIn(0),
  encoder: oneOf(ENCODER_KINDS),
  projection: arrayOf(integerIn(1), 1, 16),
  batchSize: checkBatchSize,
  epochs: checkEpochs,
  optimizer: OPTIMIZER_SPEC,
  seed: integerIn(0),
  backend: oneOf(BACKEND_PREFERENCES),
  knn: KNN_SPEC,
  embeddings: EMBEDDINGS_SPEC,
  logEvery: integerIn(1),
  runsDir: nonEmptyString,
  sweepId: anyString,
};

/** Keys a config file may carry that are not run parameters (the editor's schema link). */
const IGNORED_KEYS = new Set(['$schema']);

/** Re-exported so host callers keep one import; the list itself lives in the shared protocol. */
export { FOLDER_DATASETS };

export type ResolveResult = { ok: true; config: RunConfig } | { ok: false; problems: string[] };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Edit distance, to recognise typos such as "temprature". */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** Where an unknown key probably belongs: a near spelling here, or the same leaf in a nested object. */
function suggestion(key: string, spec: Spec, path: string): string {
  const lower = key.toLowerCase();
  const near = Object.keys(spec)
    .map((k) => ({ k, d: editDistance(k.toLowerCase(), lower) }))
    .filter(({ k, d }) => d <= Math.min(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  if (near) return `; did you mean "${path}${near.k}"?`;
  for (const [k, sub] of Object.entries(RUN_CONFIG_SPEC)) {
    if (typeof sub !== 'object') continue;
    const leaf = Object.keys(sub).find((l) => l.toLowerCase() === lower);
    if (leaf) return `; did you mean "${k}.${leaf}"?`;
  }
  return `; allowed fields here: ${Object.keys(spec).join(', ')}`;
}

function checkObject(value: Record<string, unknown>, spec: Spec, path: string, problems: string[]): void {
  for (const [key, v] of Object.entries(value)) {
    if (path === '' && IGNORED_KEYS.has(key)) continue;
    const rule = spec[key];
    if (rule === undefined) {
      problems.push(`unknown field "${path}${key}"${suggestion(key, spec, path)}`);
    } else if (typeof rule === 'function') {
      const problem = rule(v);
      if (problem) problems.push(`"${path}${key}" ${problem}`);
    } else if (!isPlainObject(v)) {
      problems.push(`"${path}${key}" must be an object with the fields ${Object.keys(rule).join(', ')}`);
    } else {
      checkObject(v, rule, `${path}${key}.`, problems);
    }
  }
}

/**
 * Checks `input` and fills the gaps from `defaults`. `loss` is required: it is the one choice a run
 * cannot sensibly default. Datasets read from a folder need `dataDir`.
 */
export function resolveRunConfig(input: unknown, defaults: RunConfig): ResolveResult {
  if (!isPlainObject(input)) {
    return { ok: false, problems: ['the run config must be a JSON object such as {"loss": "dcl"}'] };
  }
  const problems: string[] = [];
  checkObject(input, RUN_CONFIG_SPEC, '', problems);
  if (input.loss === undefined) problems.push(`"loss" is required: set it to one of ${LOSS_KINDS.map((l) => `"${l}"`).join(', ')}`);
  if (problems.length) return { ok: false, problems };

  const given = { ...input } as Partial<RunConfig> & Record<string, unknown>;
  for (const key of IGNORED_KEYS) delete given[key];
  const config: RunConfig = {
    ...defaults,
    ...given,
    optimizer: { ...defaults.optimizer, ...(given.optimizer ?? {}) },
    knn: { ...defaults.knn, ...(given.knn ?? {}) },
    projection: [...(given.projection ?? defaults.projection)],
  };
  // A dataDir inherited from the defaults (e.g. the last run) must not leak into a run that set another dataset.
  if (given.dataDir === undefined && given.dataset !== undefined && given.dataset !== defaults.dataset) delete config.dataDir;
  if (config.name !== undefined && config.name.trim() === '') delete config.name;

  if (FOLDER_DATASETS.includes(config.dataset) && !config.dataDir) {
    return {
      ok: false,
      problems: [`dataset "${config.dataset}" is read from a folder: add "dataDir" with the folder that holds its files (relative paths start at the workspace folder)`],
    };
  }
  try {
    return { ok: true, config: resolveConfig(config) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.problems };
    throw e;
  }
}

/** One readable block for an error message: the source, then one problem per line. */
export function formatConfigProblems(source: string, problems: readonly string[]): string {
  return `${source} is not a valid DCL run config:\n${problems.map((p) => `• ${p}`).join('\n')}`;
}
