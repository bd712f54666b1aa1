import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeOptimizer } from '../../src/trainer/optimizer';
import { decodeOptimizerState, encodeOptimizerState } from '../../src/trainer/optimizerState';
import { tinyConfig } from '../helpers/runs';

/** Gradients that depend on the step and the variable, so a wrong slot or count shows in the values. */
const gradsAt = (vars: tf.Variable[], step: number): tf.NamedTensorMap =>
  Object.fromEntries(vars.map((v, i) => [v.name, tf.tidy(() => tf.sin(tf.add(tf.mul(v, 3), step * 0.7 + i)))]));

const makeVars = (values?: Float32Array[]): tf.Variable[] => {
  const init = values ? [tf.tensor(values[0], [3, 4]), tf.tensor(values[1], [4])] : [tf.randomUniform([3, 4], -1, 1, 'float32', 7), tf.randomUniform([4], -1, 1, 'float32', 8)];
  const vars = init.map((t) => tf.variable(t));
  tf.dispose(init);
  return vars;
};

describe('optimizer state round trip (cpu backend: tfjs Adam and Momentum)', () => {
  for (const kind of ['adam', 'sgd'] as const) {
    it(`${kind}: 3 steps, export, import into a fresh optimizer, 3 more steps = 6 steps without a break`, async () => {
      await tf.setBackend('cpu');
      const opt = tinyConfig({ optimizer: { kind, lr: 0.01, weightDecay: 0.1 } }).optimizer;
      const tensorsBefore = tf.memory().numTensors;
      const a = makeVars();
      const b = makeVars(a.map((v) => v.dataSync() as Float32Array));
      const optA = makeOptimizer(opt);
      const optB1 = makeOptimizer(opt);
      for (let s = 0; s < 6; s++) optA.apply(gradsAt(a, s), a);
      for (let s = 0; s < 3; s++) optB1.apply(gradsAt(b, s), b);
      const { manifest, bytes } = encodeOptimizerState(await optB1.exportState(b));
      assert.equal(manifest.updates, 3);
      assert.equal(manifest.slotSizes.length, 2);
      if (kind === 'adam') assert.ok(manifest.betaPowers, 'tfjs Adam keeps its β powers');
      // A new process: fresh variables (new names) holding the checkpoint's values, and a fresh optimizer.
      const c = makeVars(b.map((v) => v.dataSync() as Float32Array));
      const optB2 = makeOptimizer(opt);
      await optB2.importState(decodeOptimizerState(JSON.parse(JSON.stringify(manifest)) as typeof manifest, bytes), c);
      for (let s = 3; s < 6; s++) optB2.apply(gradsAt(c, s), c);
      for (let i = 0; i < a.length; i++) assert.deepEqual(c[i].dataSync(), a[i].dataSync(), `variable ${i}`);
      for (const o of [optA, optB1, optB2]) o.dispose();
      tf.dispose([...a, ...b, ...c]);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'nothing leaks');
    });
  }

  it('refuses a state that does not fit: another optimizer kind, another model', async () => {
    await tf.setBackend('cpu');
    const vars = makeVars();
    const state = { kind: 'sgd' as const, updates: 1, slots: [[new Float32Array(12)], [new Float32Array(4)]] };
    const adam = makeOptimizer(tinyConfig({ optimizer: { kind: 'adam' } }).optimizer);
    await assert.rejects(adam.importState(state, vars), /optimizer state is sgd but the run's config says adam/);
    const sgd = makeOptimizer(tinyConfig({ optimizer: { kind: 'sgd' } }).optimizer);
    await assert.rejects(sgd.importState({ ...state, slots: [[new Float32Array(12)]] }, vars), /has 1 variables but the model has 2/);
    assert.throws(() => decodeOptimizerState({ kind: 'sgd', updates: 1, slotSizes: [[12]] }, new Uint8Array(8)), /holds 8 bytes but its manifest lists 12 float32 values/);
    adam.dispose();
    sgd.dispose();
    tf.dispose(vars);
  });
});
