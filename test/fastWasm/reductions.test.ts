/** Sums and means (leading axes on both routes, any run of axes natively) and exp against cpu. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnSums, contiguousReduction, leadingReduction } from '../../src/trainer/fastWasm/sum';
import { assertAllClose } from '../helpers/tf';
import { assertNoLeak, compare, input, routeSuite, useFastWasm } from './harness';

useFastWasm();

for (const route of ['wasm', 'native'] as const) {
  routeSuite(route, 'sum over leading axes', () => {
    test('leadingReduction accepts exactly the leading axes, in any order or sign, and not all of them', () => {
      assert.deepEqual(leadingReduction([4, 5, 6, 7], [0, 1, 2]), { outer: 120, inner: 7, outShape: [7] });
      assert.deepEqual(leadingReduction([4, 5, 6, 7], [1, 0]), { outer: 20, inner: 42, outShape: [6, 7] });
      assert.deepEqual(leadingReduction([4, 5], -2), { outer: 4, inner: 5, outShape: [5] });
      assert.equal(leadingReduction([4, 5, 6], [0, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], [1, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], [0, 1, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], []), null);
    });

    test('columnSums: every row counted once, for row counts around the 8-row blocks', () => {
      for (const outer of [0, 1, 7, 8, 9, 16, 17, 23]) {
        const inner = 3;
        const src = Float32Array.from({ length: outer * inner }, (_, k) => (k % inner) + 10 * Math.floor(k / inner));
        const expected = Array.from({ length: inner }, (_, i) => outer * i + 10 * ((outer * (outer - 1)) / 2));
        assert.deepEqual(Array.from(columnSums(src, outer, inner)), expected, `outer ${outer}`);
      }
    });

    test('values match cpu: leading axes with and without keepDims, and the stock cases', async () => {
      const cases: [number[], number | number[], boolean][] = [
        [[37, 5], 0, false],
        [[3, 9, 7, 6], [0, 1, 2], false],
        [[3, 9, 7, 6], [0, 1, 2], true],
        [[3, 9, 7, 6], [1, 0], true],
        [[3, 9, 7, 6], [0, 2], false], // not leading: stock kernel
        [[3, 9, 7, 6], -1, false], // innermost: stock kernel
        [[3, 9, 7, 6], [0, 1, 2, 3], false], // everything: stock kernel
      ];
      for (const [shape, axis, keepDims] of cases) {
        await compare(`sum [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`, [input(shape, 3)], (x) => tf.sum(x, axis, keepDims));
      }
      await tf.setBackend('wasm');
      const ints = tf.tensor([[1, 2], [3, 4], [5, 6]], undefined, 'int32');
      const s = tf.sum(ints, 0);
      assert.equal(s.dtype, 'int32');
      assert.deepEqual(Array.from(s.dataSync()), [9, 12]);
      tf.dispose([ints, s]);
    });

    test('sums of many values are accumulated accurately (float64 inside)', async () => {
      await tf.setBackend('wasm');
      // 2^24 + 1 ones: a float32 running sum stops at 2^24; the exact answer rounds to 16777216 or 16777218.
      const n = 2 ** 24 + 2;
      const x = tf.ones([n, 1]);
      const s = tf.sum(x, 0);
      assert.equal(s.dataSync()[0], n);
      tf.dispose([x, s]);
    });

    test('no leaks', async () => {
      const x = tf.tensor(input([6, 5, 4, 3]).values, [6, 5, 4, 3]);
      await assertNoLeak('leading sum', () => tf.dispose([tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1], true)]));
      x.dispose();
    });
  });
}

/** The normalised output; the batch statistics (kept tensors) are disposed. */

routeSuite('native', 'sum and mean over a run of axes; exp', () => {
  test('contiguousReduction: leading, middle and trailing runs, keepDims, and what it refuses', () => {
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [1, 2], false), { outer: 4, middle: 30, inner: 7, outShape: [4, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [2, 1], true), { outer: 4, middle: 30, inner: 7, outShape: [4, 1, 1, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [0], false), { outer: 1, middle: 4, inner: 210, outShape: [5, 6, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], -1, false), { outer: 120, middle: 7, inner: 1, outShape: [4, 5, 6] });
    assert.deepEqual(contiguousReduction([4, 5], [0, 1], false), { outer: 1, middle: 20, inner: 1, outShape: [] });
    assert.equal(contiguousReduction([4, 5, 6], [0, 2], false), null);
    assert.equal(contiguousReduction([4, 5, 6], [], false), null);
    assert.equal(contiguousReduction([4, 5, 6], [3], false), null);
  });

  test('values match cpu, global average pooling and its gradient included', async () => {
    const cases: [number[], number | number[], boolean][] = [
      [[64, 4, 4, 128], [1, 2], false], // global average pooling, images shared out among the threads
      [[3, 4, 4, 128], [1, 2], false], // few images: each one's rows summed by all threads
      [[3, 9, 7, 6], [1, 2], true],
      [[3, 9, 7, 6], [0, 1], false],
      [[3, 9, 7, 6], [2, 3], false],
      [[3, 9, 7, 6], 3, true],
      [[300, 250], [0, 1], false],
      [[3, 9, 7, 6], [0, 2], false], // scattered: stock kernel
    ];
    for (const [shape, axis, keepDims] of cases) {
      const what = `[${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      await compare(`sum ${what}`, [input(shape, 3)], (x) => tf.sum(x, axis, keepDims));
      await compare(`mean ${what}`, [input(shape, 3)], (x) => tf.mean(x, axis, keepDims));
    }
    await compare('global average pooling layer and gradient', [input([8, 4, 4, 16]), input([8, 16])], (x, dy) => {
      const gap = tf.layers.globalAveragePooling2d({});
      return [gap.apply(x) as tf.Tensor, tf.grad((p: tf.Tensor) => gap.apply(p) as tf.Tensor)(x, dy)];
    });
    // Gradients spread back natively over contiguous axes, by the stock gradient otherwise.
    for (const [shape, axis, keepDims] of [
      [[64, 4, 4, 32], [1, 2], false],
      [[5, 6, 7], [0], true],
      [[5, 6, 7], -1, false],
      [[5, 6, 7], [0, 2], false],
    ] as [number[], number | number[], boolean][]) {
      const outShape = tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims).shape);
      for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean]] as const) {
        await compare(`${name} gradient [${shape}] axis ${JSON.stringify(axis)}`, [input(shape), input(outShape)], (x, dy) =>
          tf.grad((p: tf.Tensor) => op(p, axis, keepDims))(x, dy),
        );
      }
    }
  });

  test('exp matches cpu over the range a loss uses, and int32 keeps the stock kernel', async () => {
    const x = input([512, 300], 4);
    x.values[0] = -200;
    x.values[1] = 80;
    await compare('exp', [x], (t) => tf.exp(t));
    await tf.setBackend('wasm');
    const ints = tf.tensor1d([0, 1], 'int32');
    const e = tf.exp(ints);
    assert.equal(e.dtype, 'float32');
    assertAllClose(e.dataSync(), [1, Math.E], 1e-6, 0, 'int32 exp');
    tf.dispose([ints, e]);
  });
});
