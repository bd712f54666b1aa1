/**
 * variableGradsFreeing against tf.variableGrads: the same loss and the same gradients (same gradient functions,
 * same accumulation order), no tensors left behind, and less memory held at the peak of the backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildEncoder, buildProjectionHead, applyModel } from '../../src/trainer/encoders';
import { variableGradsFreeing } from '../../src/trainer/freeingGrads';
import { lossWithNpc } from '../../src/trainer/losses';
import { trainableVariables } from '../../src/trainer/step';
import { useCpu } from '../helpers/tf';

describe('variableGradsFreeing', () => {
  before(useCpu);

  const setup = (kind: 'cnn' | 'resnet18') => {
    const encoder = buildEncoder(kind, [12, 12, 3], 5);
    const head = buildProjectionHead(kind === 'cnn' ? 128 : 512, [16, 8], 6);
    const vars = trainableVariables(encoder, head);
    const x1 = tf.randomUniform([6, 12, 12, 3], 0, 1, 'float32', 1);
    const x2 = tf.randomUniform([6, 12, 12, 3], 0, 1, 'float32', 2);
    // A shared skip (x2 feeds two branches) makes gradients accumulate, the path the store must get right.
    const loss = () =>
      lossWithNpc('dclw', applyModel(head, applyModel(encoder, x1, true), true), applyModel(head, applyModel(encoder, x2, true), true), { temperature: 0.2, sigma: 0.5 }).loss;
    return { encoder, head, vars, inputs: [x1, x2], loss };
  };

  for (const kind of ['cnn', 'resnet18'] as const) {
    test(`${kind}: the same value and gradients as tf.variableGrads, nothing leaked`, () => {
      const { encoder, head, vars, inputs, loss } = setup(kind);
      const stock = tf.variableGrads(loss, vars);
      const before = tf.memory().numTensors;
      const freeing = variableGradsFreeing(loss, vars);
      assert.equal(tf.memory().numTensors - before, 1 + Object.keys(freeing.grads).length, 'only the value and the gradients remain');
      assert.equal(freeing.value.dataSync()[0], stock.value.dataSync()[0]);
      assert.deepEqual(Object.keys(freeing.grads).sort(), Object.keys(stock.grads).sort());
      for (const name of Object.keys(stock.grads)) {
        assert.deepEqual(freeing.grads[name].dataSync(), stock.grads[name].dataSync(), `gradient of ${name}`);
      }
      tf.dispose([stock.value, freeing.value, ...Object.values(stock.grads), ...Object.values(freeing.grads), ...inputs]);
      encoder.dispose();
      head.dispose();
    });
  }

  test('holds less memory at its peak than tf.variableGrads', async () => {
    const { encoder, head, vars, inputs, loss } = setup('resnet18');
    const peak = async (grads: (f: () => tf.Scalar, v: tf.Variable[]) => ReturnType<typeof tf.variableGrads>) => {
      let result: ReturnType<typeof tf.variableGrads> | undefined;
      const info = await tf.profile(() => {
        result = grads(loss, vars);
      });
      tf.dispose([result!.value, ...Object.values(result!.grads)]);
      return info.peakBytes;
    };
    const stock = await peak(tf.variableGrads);
    const freeing = await peak(variableGradsFreeing);
    assert.ok(freeing < 0.8 * stock, `peak ${freeing} bytes vs tf.variableGrads ${stock}`);
    tf.dispose(inputs);
    encoder.dispose();
    head.dispose();
  });

  test('inside another gradient it leaves the work to tf.variableGrads (the outer tape needs the saved tensors)', () => {
    const v = tf.variable(tf.scalar(3));
    const outer = tf.grad((x: tf.Tensor) => {
      const inner = variableGradsFreeing(() => tf.mul(v, tf.mul(x, x)) as tf.Scalar, [v]);
      return inner.value;
    });
    assert.equal(outer(tf.scalar(2)).dataSync()[0], 12);
    v.dispose();
  });
});
