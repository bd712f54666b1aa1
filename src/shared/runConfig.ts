/**
 * Run config defaults, merging and validation. Plain data only: the CLI, the trainer child and the
 * extension host all validate with these rules, derived from the field table (src/shared/configFields.ts),
 * so a config that the host accepts never fails in the child.
 */
import { CONFIG_FIELDS, CONFIG_PATHS, allowedKeys, groupOf, isGroup, type GroupKey } from './configFields';
import { clip, preview, ruleProblem } from './configChecks';
import { unknownFieldHint } from './configHints';
import { FOLDER_DATASETS, type RunConfig } from './protocol';

function defaultsFromTable(): RunConfig {
  const out: Record<string, unknown> = {};
  for (const path of CONFIG_PATHS) {
    const { default: value } = CONFIG_FIELDS[path];
    if (value === undefined) continue;
    const group = groupOf(path);
    if (group === undefined) out[path] = value;
    else ((out[group] ??= {}) as Record<string, unknown>)[path.slice(group.length + 1)] = value;
  }
  return out as unknown as RunConfig;
}

export const DEFAULT_RUN_CONFIG: RunConfig = defaultsFromTable();

/** A partial config as written by people: every field optional, nested objects partial too. */
export type RunConfigInput = Partial<Omit<RunConfig, GroupKey>> & { [G in GroupKey]?: Partial<NonNullable<RunConfig[G]>> };

/** At most this many problems are spelled out in one message; the rest are counted. */
const SHOWN_PROBLEMS = 3;
/** A single problem is cut here, so one message stays one readable line. */
const PROBLEM_CHARS = 400;

/** Joins problems into one bounded line: "a; b; c (2 more)". */
export function joinProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => clip(p.replace(/\s*\n\s*/g, ' '), PROBLEM_CHARS));
  return `${shown.join('; ')}${problems.length > SHOWN_PROBLEMS ? ` (${problems.length - SHOWN_PROBLEMS} more)` : ''}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid run config: ${joinProblems(problems)}`);
  }
}

/**
 * Keys that name Object.prototype's machinery: assigning them changes an object's prototype instead of adding a
 * field, which silently dropped a whole config. They are refused wherever a config is read or merged.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const forbiddenKeyProblem = (path: string): string => `field "${path}" is not allowed (it names JavaScript object machinery); remove it`;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Later inputs override earlier ones; nested objects merge field by field; lists are copied. */
export function mergeConfig(...inputs: (RunConfigInput | undefined)[]): RunConfigInput {
  const out: Record<string, unknown> = {};
  for (const input of inputs) {
    if (!input) continue;
    for (const [key, value] of Object.entries(input)) {
      if (FORBIDDEN_KEYS.has(key)) throw new ConfigError([forbiddenKeyProblem(key)]);
      if (value === undefined) continue;
      if (isGroup(key) && isPlainObject(value)) {
        const inner = Object.entries(value).filter(([, v]) => v !== undefined);
        const bad = inner.find(([k]) => FORBIDDEN_KEYS.has(k));
        if (bad) throw new ConfigError([forbiddenKeyProblem(`${key}.${bad[0]}`)]);
        out[key] = { ...(isPlainObject(out[key]) ? out[key] : {}), ...Object.fromEntries(inner) };
      } else {
        out[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
      }
    }
  }
  return out;
}

/**
 * Unknown and forbidden keys of one level. Only the first two are spelled out (the list of allowed fields only
 * once), the rest counted, so a config of a million keys is still one short line.
 */
function keyProblems(obj: Record<string, unknown>, group: string | undefined, ignore: ReadonlySet<string>, problems: string[]): void {
  const allowed = new Set(allowedKeys(group));
  const prefix = group === undefined ? '' : `${group}.`;
  const unknown = Object.keys(obj).filter((key) => !allowed.has(key) && !(group === undefined && ignore.has(key)));
  let listed = false;
  for (const key of unknown.slice(0, unknown.length > SHOWN_PROBLEMS ? SHOWN_PROBLEMS - 1 : SHOWN_PROBLEMS)) {
    if (FORBIDDEN_KEYS.has(key)) {
      problems.push(forbiddenKeyProblem(`${prefix}${key}`));
      continue;
    }
    const hint = unknownFieldHint(key, group);
    const isList = hint.startsWith('; allowed');
    problems.push(`unknown field "${prefix}${clip(key)}"${isList && listed ? '' : hint}`);
    listed ||= isList;
  }
  if (unknown.length > SHOWN_PROBLEMS) problems.push(`${unknown.length - (SHOWN_PROBLEMS - 1)} more unknown fields`);
}

/**
 * Every problem with the fields `input` gives (absent fields are not checked: they take defaults), in table
 * order, unknown and forbidden keys first (all at once, so one edit fixes them all). Never walks deeper than a
 * config nests, so any JSON value (a config nested 100 000 levels deep included) gets a short answer.
 */
export function configProblems(input: unknown, ignore: ReadonlySet<string> = new Set()): string[] {
  if (!isPlainObject(input)) return [`the config must be a JSON object such as {"loss": "dcl", "batchSize": 256}; got ${preview(input)}`];
  const problems: string[] = [];
  keyProblems(input, undefined, ignore, problems);
  for (const group of allowedKeys().filter(isGroup)) if (isPlainObject(input[group])) keyProblems(input[group], group, ignore, problems);
  for (const path of CONFIG_PATHS) {
    const group = groupOf(path);
    let value: unknown;
    if (group === undefined) value = input[path];
    else if (isPlainObject(input[group])) value = input[group][path.slice(group.length + 1)];
    else {
      // A group that is not an object is one problem, named where its first field would be.
      if (input[group] !== undefined && path === `${group}.${allowedKeys(group)[0]}`) {
        problems.push(`${group} must be an object with the fields ${allowedKeys(group).join(', ')}; got ${preview(input[group])}`);
      }
      continue;
    }
    if (value === undefined) continue;
    const problem = ruleProblem(CONFIG_FIELDS[path].rule, value);
    if (problem) problems.push(`${path} ${problem}`);
  }
  return problems;
}

/** Rules between fields, on a complete config. */
function crossFieldProblems(config: RunConfig): string[] {
  const problems: string[] = [];
  if (FOLDER_DATASETS.includes(config.dataset) && !config.dataDir) {
    problems.push(`dataset "${config.dataset}" needs dataDir (the folder holding its files; on the command line --${CONFIG_FIELDS.dataDir.flag?.name} DIR)`);
  }
  // A folder given to a dataset that reads none would be ignored without a word: the user meant another dataset.
  if (!FOLDER_DATASETS.includes(config.dataset) && config.dataDir) {
    problems.push(`dataDir is only read by the folder datasets (${FOLDER_DATASETS.join(', ')}); dataset "${config.dataset}" reads none: remove dataDir or choose the dataset its folder holds`);
  }
  if (config.testDir !== undefined && config.dataset !== 'imagefolder') problems.push(`testDir is only read by dataset "imagefolder"; got "${config.dataset}": remove testDir`);
  if (config.useUnlabeled && config.dataset !== 'stl10') problems.push(`useUnlabeled needs dataset "stl10" (the only one with an unlabeled split); got "${config.dataset}"`);
  return problems;
}

/** Fills defaults and checks every field; throws ConfigError naming every problem and the fix, in one line. */
export function resolveConfig(input: unknown): RunConfig {
  const problems = configProblems(input);
  if (problems.length) throw new ConfigError(problems);
  const merged = mergeConfig(DEFAULT_RUN_CONFIG, input as RunConfigInput) as RunConfig;
  const crossField = crossFieldProblems(merged);
  if (crossField.length) throw new ConfigError(crossField);
  return merged;
}

/** A short human label: the name, or "dcl · b256 · τ0.1". */
export function runLabel(config: Pick<RunConfig, 'name' | 'loss' | 'batchSize' | 'temperature'>): string {
  return config.name?.trim() || `${config.loss} · b${config.batchSize} · τ${config.temperature}`;
}
