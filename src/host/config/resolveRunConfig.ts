/**
 * Turns a partial run config (a `*.dclrun.json` file, an old run's config.json) into a complete RunConfig:
 * every field is checked, unknown fields are rejected (a typo must not silently fall back to a default),
 * and missing fields come from the given defaults (the settings, unlike the CLI's fixed defaults). The
 * result then passes the trainer's own check (src/shared/runConfig.ts), so a config accepted here never
 * fails in the child. Every rule comes from the field table (src/shared/configFields.ts), as do
 * `schemas/dclrun.schema.json` and the CLI's flags; test/host/manifest.test.ts keeps them in step.
 */
import { CONFIG_FIELDS, CONFIG_PATHS } from '../../shared/configFields';
import { FOLDER_DATASETS, type RunConfig } from '../../shared/protocol';
import { ConfigError, configProblems, mergeConfig, resolveConfig, type RunConfigInput } from '../../shared/runConfig';

/** Keys a config file may carry that are not run parameters (the editor's schema link). */
const IGNORED_KEYS: ReadonlySet<string> = new Set(['$schema']);

/** Re-exported so host callers keep one import; the list itself lives in the shared protocol. */
export { FOLDER_DATASETS };

export type ResolveResult = { ok: true; config: RunConfig } | { ok: false; problems: string[] };

/** Fields a file must set (the table's `requiredInFile`: the loss, the one choice a run cannot sensibly default). */
function requiredProblems(given: RunConfigInput): string[] {
  return CONFIG_PATHS.filter((path) => CONFIG_FIELDS[path].requiredInFile && (given as Record<string, unknown>)[path] === undefined).map((path) => {
    const { rule } = CONFIG_FIELDS[path];
    return `"${path}" is required${rule.type === 'choice' ? `: set it to one of ${rule.values.map((v) => `"${v}"`).join(', ')}` : ''}`;
  });
}

/**
 * Checks `input` and fills the gaps from `defaults`. `loss` is required: it is the one choice a run
 * cannot sensibly default. Datasets read from a folder need `dataDir`.
 */
export function resolveRunConfig(input: unknown, defaults: RunConfig): ResolveResult {
  // The field table's checks, the same the CLI and the trainer apply (with their "did you mean" hints).
  const problems = configProblems(input, IGNORED_KEYS);
  if (problems.length) return { ok: false, problems };
  const given = Object.fromEntries(Object.entries(input as Record<string, unknown>).filter(([key]) => !IGNORED_KEYS.has(key))) as RunConfigInput;
  const missing = requiredProblems(given);
  if (missing.length) return { ok: false, problems: missing };

  // Field by field, nested groups included, exactly as the CLI merges a config file over its defaults.
  const config = mergeConfig(defaults, given) as RunConfig;
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
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `• ${p}`);
  if (problems.length > MAX_LISTED_PROBLEMS) shown.push(`• … and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return `${source} is not a valid DCL run config:\n${shown.join('\n')}`;
}

/** A dialog lists at most this many problems; each is already bounded by the shared checks. */
const MAX_LISTED_PROBLEMS = 8;
