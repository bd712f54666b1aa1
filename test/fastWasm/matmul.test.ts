/** matMul and fused matMul on both routes against cpu: values, gradients, layouts, leaks. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'node:test';
import { assertNoLeak, compare, input, routeSuite, useFastWasm } from './harness';

useFastWasm();

for (const route of ['wasm', 'native'] as const) {
  routeSuite(route, 'matMul', () => {
    const combos: [boolean, boolean][] = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ];
    const stored = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);

    test('odd 2-D shapes, all transpose combinations, values and gradients', async () => {
      for (const [m, k, n] of [[3, 5, 7], [33, 70, 45], [1, 9, 1], [200, 24, 6]]) {
        for (const [ta, tb] of combos) {
          const a = input(stored(m, k, ta));
          const b = input(stored(k, n, tb));
          const dy = input([m, n]);
          const what = `${m}x${k}x${n} tA=${ta} tB=${tb}`;
          await compare(what, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          await compare(`${what} grads`, [a, b, dy], (x, y, g) =>
            tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb))([x, y], g),
          );
        }
      }
    });

    test('batched: folded, spread, per entry, small and rank 4, all transpose combinations', async () => {
      const cases: [number[], number[]][] = [
        [[4], []], // [4, m, k] x [k, n]
        [[4], [1]], // [4, m, k] x [1, k, n]
        [[], [4]], // [m, k] x [4, k, n]
        [[1], [4]],
        [[4], [4]],
        [[2, 3], [2, 3]],
      ];
      for (const [m, k, n] of [[3, 5, 7], [40, 30, 35]]) {
        for (const [ba, bb] of cases) {
          for (const [ta, tb] of combos) {
            const a = input([...ba, ...stored(m, k, ta)]);
            const b = input([...bb, ...stored(k, n, tb)]);
            const what = `[${ba}]x[${bb}] ${m}x${k}x${n} tA=${ta} tB=${tb}`;
            await compare(what, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          }
        }
      }
    });

    test('gradients of batched products', async () => {
      // tfjs-core's BatchMatMul gradient does not reduce over broadcast batches, so both operands
      // carry the batch here.
      for (const [m, k, n] of [[5, 8, 7], [40, 30, 35]]) {
        for (const [ta, tb] of combos) {
          const what = `batched grads ${m}x${k}x${n} tA=${ta} tB=${tb}`;
          await compare(what, [input([3, ...stored(m, k, ta)]), input([3, ...stored(k, n, tb)]), input([3, m, n])], (x, y, g) =>
            tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb))([x, y], g),
          );
        }
      }
    });

    test('no tensors or wasm buffers leak', async () => {
      const a = tf.tensor(input([4, 40, 30]).values, [4, 40, 30]);
      const b = tf.tensor(input([4, 35, 30]).values, [4, 35, 30]);
      const c = tf.tensor(input([30, 25]).values, [30, 25]);
      const d = tf.tensor(input([25, 40]).values, [25, 40]);
      const e = tf.tensor(input([6, 35]).values, [6, 35]);
      for (const [x, y, ta, tb] of [[a, b, false, true], [a, c, false, false], [a, d, true, true], [e, b, false, false]] as const) {
        await assertNoLeak(`matMul [${x.shape}] [${y.shape}]`, () => tf.matMul(x, y, ta, tb).dispose());
      }
      await assertNoLeak('matMul grads', () => {
        tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true).sum())([a, b]));
      });
      tf.dispose([a, b, c, d, e]);
    });
  });

  routeSuite(route, 'fused matMul', () => {
    const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const;

    test('bias and every activation, transposed and batched operands', async () => {
      const layouts: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
        { a: [6, 9], b: [9, 5], ta: false, tb: false },
        { a: [9, 6], b: [5, 9], ta: true, tb: true },
        { a: [6, 9], b: [5, 9], ta: false, tb: true },
        { a: [3, 6, 9], b: [1, 9, 5], ta: false, tb: false },
        { a: [3, 9, 6], b: [1, 9, 5], ta: true, tb: false },
        { a: [1, 6, 9], b: [3, 9, 5], ta: false, tb: false },
        { a: [3, 6, 30], b: [3, 25, 30], ta: false, tb: true },
        { a: [3, 40, 30], b: [3, 35, 30], ta: false, tb: true },
      ];
      for (const l of layouts) {
        const n = l.tb ? l.b[l.b.length - 2] : l.b[l.b.length - 1];
        for (const activation of activations) {
          const what = `fused [${l.a}] [${l.b}] tA=${l.ta} tB=${l.tb} ${activation}`;
          await compare(what, [input(l.a), input(l.b), input([n])], (a, b, bias) =>
            tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, bias, activation, leakyreluAlpha: 0.3 }),
          );
        }
        await compare(`fused [${l.a}] [${l.b}] no bias relu`, [input(l.a), input(l.b)], (a, b) =>
          tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, activation: 'relu' }),
        );
        await compare(`fused [${l.a}] [${l.b}] prelu`, [input(l.a), input(l.b), input([n]), input([n])], (a, b, bias, alpha) =>
          tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, bias, activation: 'prelu', preluActivationWeights: alpha }),
        );
      }
    });

    test('a [1, n] bias (stock wasm rejects any bias of rank > 1)', async () => {
      await compare('fused rank-2 bias', [input([6, 9]), input([5, 9]), input([1, 5])], (a, b, bias) =>
        tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }),
      );
    });

    test('gradients through a fused dense layer', async () => {
      await compare('fused grads', [input([6, 9]), input([5, 9]), input([5]), input([6, 5])], (a, b, bias, dy) =>
        tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.fused.matMul({ a: p, b: q, bias: r, transposeB: true }))([a, b, bias], dy),
      );
    });

    test('no leaks', async () => {
      const a = tf.tensor(input([3, 6, 9]).values, [3, 6, 9]);
      const b = tf.tensor(input([9, 5]).values, [9, 5]);
      const bias = tf.tensor(input([5]).values, [5]);
      await assertNoLeak('fused fold', () => tf.fused.matMul({ a, b, bias, activation: 'relu' }).dispose());
      const at = tf.tensor(input([3, 9, 6]).values, [3, 9, 6]);
      const bias2 = tf.tensor(input([1, 5]).values, [1, 5]);
      await assertNoLeak('fused rank-2 bias', () => tf.fused.matMul({ a, b, bias: bias2, activation: 'relu' }).dispose());
      await assertNoLeak('fused general', () => tf.fused.matMul({ a: at, b, bias, transposeA: true, activation: 'elu' }).dispose());
      tf.dispose([a, at, b, bias, bias2]);
    });
  });

}
