/** Shared test set-up: the deterministic cpu backend and float comparisons. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/trainer/backend';

export async function useCpu(): Promise<typeof tf> {
  if (tf.getBackend() !== 'cpu') await initBackend('cpu');
  return tf;
}

export function assertClose(actual: number, expected: number, rtol: number, atol = 0, what = 'value'): void {
  const tol = atol + rtol * Math.abs(expected);
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tol,
    `${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > tol ${tol})`,
  );
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0, what = 'array'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assertClose(actual[i], expected[i], rtol, atol, `${what}[${i}]`);
}

export { seededNormal } from './seeded';

export function randomMatrix(rows: number, cols: number, rnd: () => number, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rnd() * scale));
}
