/** conv2d and its gradients on both routes against cpu: strides, padding, 1×1, odd channels, leaks. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PATCH_FLOATS, PATCH_MAX_CHANNELS, patchLimit, usePatchRoute } from '../../src/trainer/fastWasm/im2col';
import { assertNoLeak, compare, input, routeSuite, useFastWasm } from './harness';

useFastWasm();

for (const route of ['wasm', 'native'] as const) {
  routeSuite(route, 'conv2d backprop', () => {
    type Pad = 'same' | 'valid' | number;
    interface ConvCase {
      x: number[];
      f: number[];
      stride: number;
      pad: Pad;
    }
    const cases: ConvCase[] = [];
    for (const [x, f] of [
      [[2, 7, 9, 3], [3, 3, 3, 8]],
      [[1, 8, 8, 1], [3, 3, 1, 1]],
      [[3, 7, 9, 8], [2, 2, 8, 3]],
      [[2, 6, 5, 8], [1, 1, 8, 1]],
      [[2, 9, 7, 3], [5, 3, 3, 2]],
    ]) {
      for (const stride of [1, 2]) for (const pad of ['same', 'valid'] as const) cases.push({ x, f, stride, pad });
    }
    // Numeric padding and stride 3 exercise crops of dy and residues without filter taps.
    cases.push({ x: [2, 9, 7, 3], f: [3, 3, 3, 4], stride: 2, pad: 2 });
    cases.push({ x: [2, 10, 11, 3], f: [2, 3, 3, 4], stride: 3, pad: 'valid' });
    cases.push({ x: [2, 10, 11, 3], f: [4, 4, 3, 4], stride: 3, pad: 'same' });

    const outShape = (c: ConvCase): number[] => {
      const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.stride, 1, c.pad);
      return info.outShape;
    };

    // Both routes on every case: patch matrices (im2col.ts; for few input channels) and the convolution rewrites.
    // (The wasm routes only matter without native kernels, which replace both.)
    for (const convRoute of route === 'wasm' ? (['im2col', 'convolution rewrites'] as const) : (['native im2col + GEMM'] as const)) {
      const withRoute = async (body: () => Promise<void>) => {
        patchLimit.floats = convRoute === 'im2col' ? MAX_PATCH_FLOATS : 0;
        patchLimit.channels = convRoute === 'im2col' ? Infinity : PATCH_MAX_CHANNELS;
        try {
          await body();
        } finally {
          patchLimit.floats = MAX_PATCH_FLOATS;
          patchLimit.channels = PATCH_MAX_CHANNELS;
        }
      };

      test(`${convRoute}: dx and dW match cpu for strides 1-3, same/valid/numeric padding, odd sizes, 1/3/8 channels`, () =>
        withRoute(async () => {
          for (const c of cases) {
            const what = `${convRoute} conv x[${c.x}] f[${c.f}] stride ${c.stride} pad ${c.pad}`;
            // dy is given, so the gradients do not depend on the (stock) forward convolution.
            await compare(what, [input(c.x), input(c.f, 0.3), input(outShape(c))], (x, f, dy) =>
              tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, c.stride, c.pad))([x, f], dy),
            );
          }
        }));

      test(`${convRoute}: conv2dTranspose (Conv2DBackpropInput) directly`, () =>
        withRoute(async () => {
          for (const c of cases.filter((k) => typeof k.pad === 'string')) {
            await compare(`${convRoute} conv2dTranspose x[${c.x}] f[${c.f}] s${c.stride} ${c.pad}`, [input(outShape(c)), input(c.f)], (dy, f) =>
              tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, c.x as [number, number, number, number], c.stride, c.pad),
            );
          }
        }));
    }

    test('forward conv2d and fused conv2d (bias, activations), strides, padding, dilations', async () => {
      for (const c of cases.filter((k) => k.stride !== 3)) {
        const co = c.f[3];
        await compare(`conv2d x[${c.x}] f[${c.f}] s${c.stride} ${c.pad}`, [input(c.x), input(c.f, 0.3)], (x, f) =>
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
        );
        for (const activation of ['linear', 'relu', 'elu'] as const) {
          await compare(`fused conv2d x[${c.x}] f[${c.f}] s${c.stride} ${c.pad} ${activation}`, [input(c.x), input(c.f, 0.3), input([co])], (x, f, bias) =>
            tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: c.stride, pad: c.pad, bias, activation }),
          );
        }
      }
      await compare('dilated conv2d', [input([2, 11, 10, 3]), input([3, 3, 3, 5], 0.3)], (x, f) =>
        tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      );
      // More output channels than one GEMM column panel (16 or 32 wide), with a partial last panel.
      await compare('conv2d with 40 output channels', [input([2, 7, 9, 5]), input([3, 3, 5, 40], 0.3), input([40])], (x, f, bias) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias, activation: 'relu' }),
      );
    });

    if (route === 'native') {
      test('an input larger than one patch-matrix chunk (the native kernels convolve it in pieces)', async () => {
        // 48·48·(3·3·64) floats of patches per image: the 4 M-float chunk holds 3 images, so 4 images take two chunks.
        const c = { x: [4, 48, 48, 64], f: [3, 3, 64, 4], stride: 1, pad: 'same' as const };
        await compare('chunked conv2d forward and gradients', [input(c.x), input(c.f, 0.1), input([4, 48, 48, 4])], (x, f, dy) => [
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
          ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'))([x, f], dy),
        ]);
      });
    }

    test('patch matrices are used for image layers (few channels) up to their size limit only', () => {
      const g = { n: 256, h: 28, w: 28, ci: 1, oh: 14, ow: 14, co: 32, kh: 3, kw: 3, sh: 2, sw: 2, top: 0, left: 0 };
      assert.equal(usePatchRoute(g), true);
      assert.equal(usePatchRoute({ ...g, ci: 3 }), true);
      assert.equal(usePatchRoute({ ...g, h: 14, w: 14, oh: 7, ow: 7, ci: 32 }), false);
      // An RGB stem at 224×224 and batch 1024: 27 × 51 M floats, far too many.
      assert.equal(usePatchRoute({ ...g, n: 1024, h: 224, w: 224, oh: 224, ow: 224, ci: 3, sh: 1, sw: 1 }), false);
    });

    test('NCHW filter gradient fails with a clear message', async () => {
      await tf.setBackend('wasm');
      const x = tf.ones([1, 2, 5, 5]);
      const dy = tf.ones([1, 3, 4, 4]);
      assert.throws(
        () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [2, 2, 2, 3] }),
        /Conv2DBackpropFilter on wasm does not support dataFormat 'NCHW'/,
      );
      tf.dispose([x, dy]);
    });

    test('no leaks', async () => {
      const x = tf.tensor(input([2, 9, 7, 3]).values, [2, 9, 7, 3]) as tf.Tensor4D;
      const f = tf.tensor(input([3, 3, 3, 4]).values, [3, 3, 3, 4]) as tf.Tensor4D;
      for (const stride of [1, 2]) {
        await assertNoLeak(`conv grads stride ${stride}`, () => {
          tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, 'same').sum())([x, f]));
        });
      }
      tf.dispose([x, f]);
    });
  });
}
