/**
 * Checks for single run parameters, shared by the config-file validation, the start-run input boxes and
 * the settings reader so that every route rejects the same values with the same words. Each returns
 * undefined when the value is fine, else a message that says what is wrong and what is allowed.
 */

import { fieldCheck, preview } from '../../shared/configChecks';

export type Check = (value: unknown) => string | undefined;

/** Bounded: a huge or deeply nested setting value is echoed in a few dozen characters. */
const describe = preview;

export function integerIn(min: number, max = Infinity): Check {
  const range = max === Infinity ? `${min} or more` : `from ${min} to ${max}`;
  return (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `must be a whole number ${range}; got ${describe(v)}`;
}

/** A finite number ≥ min (> min when `exclusiveMin`) and ≤ max. */
export function numberIn(min: number, max = Infinity, exclusiveMin = false): Check {
  const lower = `${exclusiveMin ? 'greater than' : 'at least'} ${min}`;
  const range = max === Infinity ? lower : `${lower} and at most ${max}`;
  return (v) => {
    const ok = typeof v === 'number' && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && v <= max;
    return ok ? undefined : `must be a number ${range}; got ${describe(v)}`;
  };
}

export function oneOf(allowed: readonly string[]): Check {
  return (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got ${describe(v)}`;
}

export const isBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : `must be true or false; got ${describe(v)}`);

export const nonEmptyString: Check = (v) =>
  typeof v === 'string' && v.trim() !== '' ? undefined : `must be a non-empty string; got ${describe(v)}`;

export const anyString: Check = (v) => (typeof v === 'string' ? undefined : `must be a string; got ${describe(v)}`);

export function arrayOf(item: Check, minLength: number, maxLength: number): Check {
  return (v) => {
    if (!Array.isArray(v) || v.length < minLength || v.length > maxLength) {
      return `must be a list of ${minLength} to ${maxLength} entries; got ${describe(v)}`;
    }
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i]);
      if (problem) return `entry ${i + 1} ${problem}`;
    }
    return undefined;
  };
}

/**
 * The run-config fields the input boxes and settings ask for, checked by the field table's own rules
 * (src/shared/configFields.ts), so the host never accepts a value the trainer rejects, in the same words.
 */
export const checkTemperature: Check = fieldCheck('temperature');
export const checkSigma: Check = fieldCheck('sigma');
export const checkBatchSize: Check = fieldCheck('batchSize');
export const checkEpochs: Check = fieldCheck('epochs');
export const checkSubset: Check = fieldCheck('subset');
export const checkKnnK: Check = fieldCheck('knn.k');
export const checkKnnT: Check = fieldCheck('knn.t');
export const checkRunsDir: Check = fieldCheck('runsDir');

/**
 * Parses what the user typed into an input box as a number: the empty string and words are errors
 * (Number('') is 0, which would silently pass).
 */
export function parseTypedNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** Validation for an input box: the check's message, or a parse error for text that is not a number. */
export function validateTypedNumber(text: string, check: Check): string | undefined {
  const n = parseTypedNumber(text);
  if (n === undefined) return `"${text}" is not a number`;
  const problem = check(n);
  return problem ? `This ${problem.replace(/; got .*$/, '')}` : undefined;
}
