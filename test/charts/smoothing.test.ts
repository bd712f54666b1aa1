import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debiasedEma } from '../../webview/charts/data/smoothing';

const close = (actual: ArrayLike<number>, expected: number[]) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) assert.ok(Number.isNaN(actual[i]), `index ${i} should be NaN`);
    else assert.ok(Math.abs(actual[i] - e) < 1e-12, `index ${i}: ${actual[i]} ≠ ${e}`);
  });
};

test('matches TensorBoard’s debiased EMA computed by hand', () => {
  // w = 0.5: last = 0.5, 1.25, 2.125; debias = 0.5, 0.75, 0.875.
  close(debiasedEma([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
  // w = 0.9 on [10, 0]: last = 1, 0.9; debias = 0.1, 0.19.
  close(debiasedEma([10, 0], 0.9), [10, 0.9 / 0.19]);
});

test('the first point is never pulled towards zero, even with heavy smoothing', () => {
  close(debiasedEma([4.2, 4.0], 0.999).subarray(0, 1), [4.2]);
});

test('weight 0 returns the data unchanged', () => {
  close(debiasedEma([3, 1, 4, 1, 5], 0), [3, 1, 4, 1, 5]);
});

test('non-finite points pass through and do not enter the average', () => {
  // The NaN is skipped: the third point is the second accumulated one (debias 1 − 0.5²).
  close(debiasedEma([1, NaN, 3], 0.5), [1, NaN, (0.25 + 1.5) / 0.75]);
});

test('a constant series stays exactly constant (TensorBoard special-cases it)', () => {
  close(debiasedEma([0.3, 0.3, 0.3, 0.3], 0.95), [0.3, 0.3, 0.3, 0.3]);
});

test('smoothing reduces the variance of noisy data but keeps its level', () => {
  const n = 5000;
  const noisy = Array.from({ length: n }, (_, i) => 2 + Math.sin(i * 12.9898) * 0.5);
  const smooth = debiasedEma(noisy, 0.95);
  const spread = (a: ArrayLike<number>) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 1000; i < n; i++) {
      lo = Math.min(lo, a[i]);
      hi = Math.max(hi, a[i]);
    }
    return hi - lo;
  };
  assert.ok(spread(smooth) < spread(noisy) / 3);
  assert.ok(Math.abs(smooth[n - 1] - 2) < 0.2);
});
