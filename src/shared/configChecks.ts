/**
 * The check of one config value against its rule in src/shared/configFields.ts, with the one wording every
 * route uses (CLI, trainer, extension host, settings, input boxes): "must be ≥ 2; got 1". Values are echoed
 * through `preview`, so a 10 MB string or a million-entry list gives a short message, and a value nested
 * 100 000 levels deep is never walked.
 */
import { CONFIG_FIELDS, type ConfigPath, type FieldRule, type NumberRule } from './configFields';

/** Longest echo of a value in a message; longer ones end in "…". */
export const PREVIEW_CHARS = 60;

export function clip(text: string, max = PREVIEW_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A short, bounded rendering of any JSON value: at most two levels and a few entries are looked at. */
export function preview(value: unknown): string {
  return clip(render(value, 0));
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(clip(value));
  if (typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) {
    if (depth > 1) return `[…${value.length} entries]`;
    const head = value.slice(0, 4).map((v) => render(v, depth + 1));
    return `[${head.join(', ')}${value.length > 4 ? `, … (${value.length} entries)` : ''}]`;
  }
  if (depth > 1) return '{…}';
  const keys = Object.keys(value);
  const head = keys.slice(0, 3).map((k) => `${JSON.stringify(clip(k, 20))}: ${render((value as Record<string, unknown>)[k], depth + 1)}`);
  return `{${head.join(', ')}${keys.length > 3 ? ', …' : ''}}`;
}

function numberProblem(rule: NumberRule, v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a number; got ${preview(v)}`;
  if (rule.integer && !Number.isInteger(v)) return `must be a whole number; got ${v}`;
  if (rule.exclusiveMin ? v <= rule.min : v < rule.min) return `must be ${rule.exclusiveMin ? '>' : '≥'} ${rule.min}; got ${v}`;
  if (v > rule.max) return `must be ≤ ${rule.max}; got ${v}`;
  return undefined;
}

/** What is wrong with `v` under `rule` ("must be …; got …"), or undefined when it is fine. */
export function ruleProblem(rule: FieldRule, v: unknown): string | undefined {
  switch (rule.type) {
    case 'number':
      return numberProblem(rule, v);
    case 'choice':
      return typeof v === 'string' && rule.values.includes(v) ? undefined : `must be one of ${rule.values.join(', ')}; got ${preview(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `must be true or false; got ${preview(v)}`;
    case 'string':
      if (typeof v !== 'string') return `must be a string; got ${preview(v)}`;
      if (v.trim().length < rule.minLength) return `must not be empty`;
      return v.length > rule.maxLength ? `must be at most ${rule.maxLength} characters; got ${v.length}: ${preview(v)}` : undefined;
    case 'list': {
      if (!Array.isArray(v)) return `must be a list of ${rule.minItems} to ${rule.maxItems} entries; got ${preview(v)}`;
      if (v.length < rule.minItems || v.length > rule.maxItems) return `must be a list of ${rule.minItems} to ${rule.maxItems} entries; got ${preview(v)}`;
      for (let i = 0; i < v.length; i++) {
        const problem = ruleProblem(rule.item, v[i]);
        if (problem) return `entry ${i + 1} ${problem}`;
        if (rule.unique && v.indexOf(v[i]) < i) return `must not repeat entries; entry ${i + 1} repeats ${preview(v[i])}`;
      }
      return undefined;
    }
  }
}

/** The check of one field, for callers that hold a single value (settings, input boxes). */
export function fieldCheck(path: ConfigPath): (v: unknown) => string | undefined {
  const { rule } = CONFIG_FIELDS[path];
  return (v) => ruleProblem(rule, v);
}

/** "0.001 to 100", "whole number from 2 to 65536", for help text. */
export function describeRange(rule: NumberRule): string {
  return `${rule.integer ? 'whole number ' : ''}${rule.exclusiveMin ? `> ${rule.min}` : rule.min} to ${rule.max}`;
}
