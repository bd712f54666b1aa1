/**
 * Tolerance: values are O(1) and each step moves them by about the learning rate, so float32 rounding of the
 * two implementations' different operation orders leaves ~1e-6 absolute differences.
 *
 * The trainer's Adam(W) on wasm with native kernels (one in-place native pass per variable) against the
 * same optimizer on the cpu backend (tfjs's AdamOptimizer plus decoupled weight decay).
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { initBackend } from '../src/trainer/backend';
import { activeNativeKernels } from '../src/trainer/fastWasm';
import { NativeAdam } from '../src/trainer/fastWasm/nativeAdam';
import { makeOptimizer } from '../src/trainer/optimizer';
import { assertAllClose, seededNormal } from './helpers/tf';

const shapes = [[7, 5], [5], [3, 3, 2, 4]];

function initial(seed: number): Float32Array[] {
  const rnd = seededNormal(seed);
  return shapes.map((s) => Float32Array.from({ length: tf.util.sizeFromShape(s) }, rnd));
}

let runs = 0;

/** Trains the variables for `steps` steps of a fixed quadratic loss with changing targets; returns their values. */
async function train(backend: 'wasm' | 'cpu', steps: number, weightDecay: number, keepClone: boolean): Promise<number[][]> {
  await tf.setBackend(backend);
  const vars = initial(1).map((v, i) => {
    const value = tf.tensor(v, shapes[i]);
    const variable = tf.variable(value, true, `v${i}_${backend}_${weightDecay}_${keepClone}_${(runs += 1)}`);
    value.dispose();
    return variable;
  });
  // A clone that shares the first variable's buffer must keep its values (the update writes in place).
  const clone = keepClone ? tf.clone(vars[0]) : undefined;
  const cloneBefore = clone ? Array.from(clone.dataSync()) : undefined;
  const opt = makeOptimizer({ kind: 'adam', lr: 0.05, momentum: 0.9, weightDecay, warmupEpochs: 0, schedule: 'constant' });
  for (let step = 0; step < steps; step++) {
    const targets = initial(100 + step);
    const { grads, value } = tf.variableGrads(() =>
      tf.addN(vars.map((v, i) => tf.sum(tf.square(tf.sub(v, tf.tensor(targets[i], shapes[i])))))) as tf.Scalar,
    vars);
    value.dispose();
    if (step === 2) opt.setLearningRate(0.02);
    opt.apply(grads, vars);
  }
  if (clone) {
    assert.deepEqual(Array.from(clone.dataSync()), cloneBefore, 'a tensor sharing the variable\'s buffer is untouched');
    clone.dispose();
  }
  const out = vars.map((v) => Array.from(v.dataSync()));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

let skip: string | false = false;

before(async () => {
  await initBackend('wasm');
  if (!activeNativeKernels()) {
    // CI installs a C compiler, so there this must not be skipped.
    if (process.env.CI) assert.fail('native kernels did not load in CI');
    skip = 'no native kernels here';
  }
});

describe('native Adam', () => {
  test('matches tfjs Adam on cpu over several steps, with and without weight decay, after a learning-rate change', async (t) => {
    if (skip) return t.skip(skip);
    for (const weightDecay of [0, 0.1]) {
      const fast = await train('wasm', 5, weightDecay, false);
      const ref = await train('cpu', 5, weightDecay, false);
      fast.forEach((v, i) => assertAllClose(v, ref[i], 1e-5, 1e-5, `variable ${i}, weight decay ${weightDecay}`));
    }
  });

  test('a variable whose buffer another tensor shares gets its own before the in-place update', async (t) => {
    if (skip) return t.skip(skip);
    const fast = await train('wasm', 3, 0.1, true);
    const ref = await train('cpu', 3, 0.1, false);
    fast.forEach((v, i) => assertAllClose(v, ref[i], 1e-5, 1e-5, `variable ${i}`));
  });

  test('is used only on wasm with native kernels, and leaks nothing', async (t) => {
    if (skip) return t.skip(skip);
    await tf.setBackend('cpu');
    assert.equal(NativeAdam.forActiveBackend(), null);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    await train('wasm', 2, 0.1, true);
    await tf.setBackend('wasm');
    assert.equal(tf.memory().numTensors, before);
  });
});
