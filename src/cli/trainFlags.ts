/**
 * Run-config flags shared by `train` and `sweep`, derived from the field table (src/shared/configFields.ts):
 * each maps onto one RunConfig field, and its help names the choices, the limits and the default.
 */
import * as fs from 'node:fs';
import { CONFIG_FIELDS, CONFIG_PATHS, groupOf, type ConfigField, type ConfigPath } from '../shared/configFields';
import { clip, describeRange, preview } from '../shared/configChecks';
import { configProblems, joinProblems, type RunConfigInput } from '../shared/runConfig';
import { numberFlag, UsageError, type FlagSpec, type ParsedFlags } from './args';

/** A default as it is typed on the command line: `dcl`, `0.1`, `512,128`. */
export function defaultText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => defaultText(v)).join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The help of a field's flag: "τ (0.001 to 100, default 0.1)", "adam | sgd (default adam)". */
export function flagHelp(field: ConfigField): string {
  const { rule, flag } = field;
  const parts: string[] = [];
  let lead = flag?.help ?? '';
  if (rule.type === 'choice') lead = [rule.values.join(' | '), lead].filter(Boolean).join(': ');
  if (rule.type === 'number') parts.push(describeRange(rule));
  if (rule.type === 'list') lead += ', comma-separated';
  if (field.default !== undefined && rule.type !== 'boolean') parts.push(`default ${defaultText(field.default)}`);
  return parts.length ? `${lead} (${parts.join(', ')})` : lead;
}

/** Each flag and the field it sets. */
const FIELD_OF_FLAG = new Map<string, ConfigPath>(CONFIG_PATHS.flatMap((p) => (CONFIG_FIELDS[p].flag ? [[CONFIG_FIELDS[p].flag.name, p] as const] : [])));

export const CONFIG_FLAGS: Record<string, FlagSpec> = {
  config: { type: 'string', help: 'run config JSON file (flags override its fields)' },
  ...Object.fromEntries(
    [...FIELD_OF_FLAG].map(([flag, path]) => [flag, { type: CONFIG_FIELDS[path].rule.type === 'boolean' ? 'boolean' : 'string', help: flagHelp(CONFIG_FIELDS[path]) } satisfies FlagSpec]),
  ),
};

/** Reads a `--config` file: a JSON object with only known fields, or one line naming the file and the problem. */
export function readConfigFile(file: string): RunConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${file} is not valid JSON: ${preview((e as Error).message)}`);
  }
  // Checked here, before flags are merged in, so the message names the file (and a "__proto__" key is never merged).
  const problems = configProblems(value);
  if (problems.length) throw new UsageError(`config file ${file}: ${joinProblems(problems)}`);
  return value as RunConfigInput;
}

/** The value of one field's flag, parsed by its type (undefined where the flag is absent). */
function flagValue(flags: ParsedFlags, flag: string, path: ConfigPath, command: string): unknown {
  const { rule } = CONFIG_FIELDS[path];
  const raw = flags[flag];
  if (raw === undefined) return undefined;
  if (rule.type === 'boolean') return raw === true ? true : undefined;
  if (rule.type === 'number') return numberFlag(flags, flag, command);
  if (rule.type === 'list' && typeof raw === 'string') {
    if (rule.item.type === 'choice') return raw.split(',').map((v) => v.trim());
    return raw.split(',').map((v) => {
      const x = Number(v.trim());
      if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`${command}: --${flag} must be comma-separated numbers; got "${clip(raw)}"`);
      return x;
    });
  }
  return raw;
}

/** The config fields given as flags (undefined where a flag is absent). */
export function configFromFlags(flags: ParsedFlags, command: string): RunConfigInput {
  const out: Record<string, unknown> = {};
  for (const [flag, path] of FIELD_OF_FLAG) {
    const value = flagValue(flags, flag, path, command);
    const group = groupOf(path);
    if (group === undefined) out[path] = value;
    else ((out[group] ??= {}) as Record<string, unknown>)[path.slice(group.length + 1)] = value;
  }
  return out;
}

/** Drops undefined fields (also inside groups) so they don't override the config file. */
export function pruneUndefined(input: RunConfigInput): RunConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const inner = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}
