/** Native batch norm (training mode) and ReLU with its gradient against cpu. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uninstallFastWasm } from '../../src/trainer/fastWasm';
import { BATCH_NORM_TRAINING } from '../../src/trainer/fastWasm/nativeBatchNorm';
import { RELU_GRAD } from '../../src/trainer/fastWasm/nativeElementwise';
import { batchNormTraining } from '../../src/trainer/batchNorm';
import { assertNoLeak, compare, compareWithNaN, input, routeSuite, useFastWasm, useRoute } from './harness';

useFastWasm();

function normalised(r: ReturnType<typeof batchNormTraining>): tf.Tensor {
  tf.dispose([r.mean, r.variance]);
  return r.y;
}

routeSuite('native', 'batch norm (training mode)', () => {
  test('the kernels are registered on wasm only, and the forward pass, statistics and gradients match cpu', async () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAINING, 'wasm'), 'native batch norm registered for wasm');
    assert.equal(tf.getKernel(BATCH_NORM_TRAINING, 'cpu'), undefined, 'cpu keeps the tensor-op formulation');
    // Channel counts around the vector widths; an offset, large-scale input checks the variance pass.
    for (const shape of [[6, 5, 4, 3], [64, 33], [2, 3, 3, 48], [300, 16]]) {
      const c = shape[shape.length - 1];
      const x = input(shape, 3);
      x.values.forEach((v, i) => (x.values[i] = v + 4 * ((i % c) - 1)));
      await compare(`batch norm [${shape}]`, [x, input([c]), input([c]), input(shape)], (xs, g, b, dy) => {
        const { y, mean, variance } = batchNormTraining(xs, g, b, 1e-5);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => normalised(batchNormTraining(p, q, r, 1e-5)))([xs, g, b], dy);
        return [y, mean, variance, ...grads];
      });
    }
  });

  test('leaks no tensors, and a non-float32 input is refused with the reason', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(input([8, 4]).values, [8, 4]);
    const g = tf.ones([4]);
    const b = tf.zeros([4]);
    await assertNoLeak('batch norm step', () => {
      const { y, mean, variance } = batchNormTraining(x, g, b, 1e-3);
      tf.dispose(tf.grads((p: tf.Tensor) => normalised(batchNormTraining(p, g, b, 1e-3)))([x]));
      tf.dispose([y, mean, variance]);
    });
    const xi = tf.tensor([[1, 2, 3, 4]], [1, 4], 'int32');
    assert.throws(() => tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xi, gamma: g, beta: b }, { epsilon: 1e-3 }), /needs float32 x/);
    tf.dispose([x, g, b, xi]);
  });
});

routeSuite('native', 'relu and its gradient', () => {
  test('values and gradients match cpu, zeros, negatives and NaN included', async () => {
    assert.ok(tf.getKernel(RELU_GRAD, 'wasm'), 'native relu gradient registered for wasm');
    for (const shape of [[7], [3, 5, 4, 9], [300, 257]]) {
      const x = input(shape);
      x.values[0] = 0;
      x.values[1 % x.values.length] = NaN;
      x.values[2 % x.values.length] = -0;
      await compareWithNaN(`relu [${shape}]`, [x, input(shape)], (xs, dy) => [tf.relu(xs), tf.grad((p: tf.Tensor) => tf.relu(p))(xs, dy)]);
    }
    // Through the layer, as the encoders use it.
    await compare('relu layer gradient', [input([4, 6, 6, 8]), input([4, 6, 6, 8])], (xs, dy) =>
      tf.grad((p: tf.Tensor) => tf.layers.reLU().apply(p) as tf.Tensor)(xs, dy),
    );
  });

  test('int32 relu keeps the stock kernel; uninstalling restores the stock Relu, Sum and Mean gradients', async () => {
    await tf.setBackend('wasm');
    const xi = tf.tensor1d([-2, 3], 'int32');
    assert.deepEqual(Array.from(tf.relu(xi).dataSync()), [0, 3]);
    xi.dispose();
    const routed = [tf.Relu, tf.Sum, tf.Mean];
    const patched = routed.map((k) => tf.getGradient(k).gradFunc);
    uninstallFastWasm();
    const stock = routed.map((k) => tf.getGradient(k).gradFunc);
    routed.forEach((k, i) => assert.notEqual(stock[i], patched[i], `the stock ${k} gradient is back`));
    useRoute('native');
    routed.forEach((k, i) => assert.notEqual(tf.getGradient(k).gradFunc, stock[i], `${k} gradient routed again`));
    await assertNoLeak('relu gradient', () => {
      const x = tf.tensor1d([-1, 2, 0, 5]);
      tf.dispose([x, tf.grad((p: tf.Tensor) => tf.relu(p))(x)]);
    });
  });
});
