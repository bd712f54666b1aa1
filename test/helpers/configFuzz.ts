/**
 * Seeded generators of bad run configs and bad `train` flag sets, from the field table, for the fuzz tests
 * of the CLI (test/trainer/cliConfigFuzz.test.ts) and the extension host (test/host/config.test.ts). Every
 * generated case holds at least one definite mistake, so none of them may start a run.
 */
import { defaultText } from '../../src/cli/trainFlags';
import { allowedKeys, CONFIG_FIELDS, CONFIG_GROUPS, CONFIG_PATHS, groupOf, type ConfigPath, type FieldRule } from '../../src/shared/configFields';

export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)] };
}

const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
const deep = (n: number): string => '{"a":'.repeat(n) + '0' + '}'.repeat(n);

const GROUPS = Object.keys(CONFIG_GROUPS);

/** A value that breaks `rule`, as JSON text (so it may be nested deep or huge without building it here). */
function badValueText(rule: FieldRule, rng: Rng): string {
  const hostile = ['null', 'true', '"x"', '[]', '{}', '"' + 'z'.repeat(20_000) + '"', deep(rng.pick([10, 5_000, 50_000])), '[' + Array(5_000).fill('1').join(',') + ']'];
  switch (rule.type) {
    case 'number': {
      const over = [String(rule.max * (2 + rng.int(1000))), '1e308', '-1e308', String(rule.min > 0 ? rule.min / (2 + rng.int(1e6)) : rule.min - 1 - rng.int(1e6))];
      // 1e-300 underflows every τ-like field; it only breaks a 0-based field when that one needs whole numbers.
      if (rule.min > 0 || rule.integer) over.push('1e-300');
      if (rule.integer) over.push(String(rule.min + 0.5));
      return rng.next() < 0.7 ? rng.pick(over) : rng.pick(hostile);
    }
    case 'choice':
      return rng.pick(['"' + rng.pick(['', 'SimCLR', 'DCL', 'gpu', 'resnet50', '__proto__', 'x'.repeat(5_000)]) + '"', '3', ...hostile.filter((h) => !h.startsWith('"z'))]);
    case 'boolean':
      return rng.pick(['"true"', '0', '1', ...hostile.filter((h) => h !== 'true')]);
    case 'string':
      return rng.pick(['"' + 'p'.repeat(rule.maxLength + 1 + rng.int(10_000)) + '"', '42', 'false', '[]', '{}', ...(rule.minLength ? ['""', '"   "'] : [])]);
    case 'list': {
      const item = rule.item.type === 'number' ? '1' : `"${rule.item.values[0]}"`;
      const options = [`[${Array(rule.maxItems + 1 + rng.int(1000)).fill(item).join(',')}]`, `[${badValueText(rule.item, rng)}]`, '"512,128"', '{}', '7'];
      if (rule.minItems > 0) options.push('[]');
      if (rule.unique) options.push(`[${item},${item}]`);
      return rng.pick(options);
    }
  }
}

/** The JSON text of a valid config, with a runs folder. */
function baseConfig(runsDir: string): Record<string, unknown> {
  return { loss: 'dcl', dataset: 'synthetic', subset: 32, testSubset: 16, encoder: 'mlp', batchSize: 8, epochs: 1, backend: 'cpu', runsDir };
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const group = groupOf(path);
  if (group === undefined) obj[path] = value;
  else obj[group] = { ...((obj[group]) ?? {}), [path.slice(group.length + 1)]: value };
}

/** A bad config file's text: a valid one with 1–3 mistakes, or something that is no config at all. */
export function badConfigText(rng: Rng, runsDir: string): string {
  const kind = rng.int(10);
  if (kind === 0) return rng.pick(['[]', 'null', '0', '""', 'true', '[{"loss": "dcl"}]', '"{}"', '1e400']);
  if (kind === 1) {
    const text = JSON.stringify({ ...baseConfig(runsDir), epochs: 2 });
    return text.slice(0, 1 + rng.int(text.length - 2)); // cut short: never valid JSON
  }
  const config = baseConfig(runsDir);
  const marker = '\u0000BAD\u0000';
  const mistakes: string[] = [];
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const m = rng.int(4);
    if (m === 0) {
      // Names no level allows: Object.prototype's, typos and misplacements, a 100 kB key, the empty one.
      const key = rng.pick([...PROTO_NAMES, 'lr', 'temprature', 'BatchSize', 'K', 'x'.repeat(1 + rng.int(100_000)), '']);
      const group = rng.next() < 0.3 ? rng.pick(GROUPS) : undefined;
      if (group) mistakes.push(`"${group}": {${JSON.stringify(allowedKeys(group).includes(key) ? `${key}_` : key)}: ${rng.pick(['1', '{}', deep(100)])}}`);
      else mistakes.push(`${JSON.stringify(key)}: ${rng.pick(['1', '{"epochs": 1}', deep(1000)])}`);
    } else if (m === 1) {
      mistakes.push(`"${rng.pick(GROUPS)}": ${rng.pick(['3', '"adam"', '[]', 'null', deep(20_000)])}`);
    } else {
      const path: ConfigPath = rng.pick(CONFIG_PATHS);
      setPath(config, path, marker);
      mistakes.push(`${path}=${badValueText(CONFIG_FIELDS[path].rule, rng)}`);
    }
  }
  // Splice the raw mistakes in as JSON text (a group key given twice keeps the later, bad one).
  let text = JSON.stringify(config);
  const extra: string[] = [];
  for (const mistake of mistakes) {
    const eq = /^([a-zA-Z.]+)=/.exec(mistake);
    if (eq) text = text.replace(JSON.stringify('\u0000BAD\u0000'), mistake.slice(eq[0].length));
    else extra.push(mistake);
  }
  return extra.length ? `${text.slice(0, -1)}, ${extra.join(', ')}}` : text;
}

const FLAG_FIELDS = CONFIG_PATHS.filter((p) => CONFIG_FIELDS[p].flag);

function goodFlag(rng: Rng): string[] {
  const path = rng.pick(FLAG_FIELDS);
  const field = CONFIG_FIELDS[path];
  const name = `--${field.flag!.name}`;
  if (field.rule.type === 'boolean') return [];
  if (path === 'runsDir' || path === 'dataDir' || path === 'dataset' || field.default === undefined) return [];
  return [name, defaultText(field.default)];
}

/** A bad flag: a value outside its field's rule, an unknown or prototype name, a missing value, a stray word. */
function badFlag(rng: Rng): string[] {
  const kind = rng.int(6);
  if (kind === 0) return [`--${rng.pick([...PROTO_NAMES, 'batchsize', 'knn_t', 'epoch', 'x'.repeat(1 + rng.int(50_000))])}`, 'x'];
  if (kind === 1) return [rng.pick(['train', 'x', '-e', '—epochs', '1e308'])];
  if (kind === 2) return [`--unlabeled=${rng.pick(['yes', '1', ''])}`];
  const path = rng.pick(FLAG_FIELDS.filter((p) => CONFIG_FIELDS[p].rule.type !== 'boolean'));
  const { rule, flag } = CONFIG_FIELDS[path];
  const name = `--${flag!.name}`;
  let value: string;
  if (rule.type === 'number') value = rng.pick([String(rule.max * 2), '1e308', '-1', 'NaN', 'Infinity', 'ten', '', ' ', rule.integer ? '2.5' : '-0.5', ...(rule.min > 0 ? ['1e-300'] : [])]);
  else if (rule.type === 'choice') value = rng.pick(['', 'SimCLR', 'x'.repeat(10_000), 'dcl\nx', '__proto__']);
  else if (rule.type === 'list') value = rng.pick(['', '0', '-1', 'a,b', '1,,2', Array(100).fill('8').join(','), '1e9']);
  else if (rule.type === 'string') value = 'q'.repeat(rule.maxLength + 1);
  else return [`${name}=x`]; // a boolean flag given a value
  if (value === '' && rng.next() < 0.5) return [name]; // no value at all
  return [name, value];
}

/** `train` arguments with 0–4 good flags and 1–2 bad ones, in random order; a good --runs-dir comes first. */
export function badFlagSet(rng: Rng, runsDir: string): string[] {
  const parts: string[][] = [];
  for (let i = rng.int(5); i > 0; i--) parts.push(goodFlag(rng));
  for (let i = 1 + rng.int(2); i > 0; i--) parts.splice(rng.int(parts.length + 1), 0, badFlag(rng));
  // A flag that needs a value, placed last with none, also counts as bad.
  return ['--runs-dir', runsDir, ...parts.flat()];
}
