/** Native image resampling for the augmentations (cropAndResize, transform) against cpu. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'node:test';
import { assertAllClose } from '../helpers/tf';
import { compare, input, routeSuite, RTOL, useFastWasm } from './harness';

useFastWasm();

routeSuite('native', 'image resampling (the augmentations)', () => {
  test('cropAndResize: bilinear and nearest, mirrored boxes, boxes past the edge, several channels, repeated images', async () => {
    const boxes = Float32Array.from([0.1, 0.2, 0.8, 0.9, 0, 0.9, 1, 0.1, -0.2, -0.1, 0.5, 1.3, 0.3, 0.3, 0.3, 0.3]);
    for (const method of ['bilinear', 'nearest'] as const) {
      for (const [c, size] of [[1, [7, 9]], [3, [5, 4]], [2, [1, 1]]] as const) {
        await compare(`cropAndResize ${method} c=${c} size ${size}`, [input([2, 11, 13, c]), { shape: [4, 4], values: boxes }], (img, b) =>
          tf.image.cropAndResize(img as tf.Tensor4D, b as tf.Tensor2D, tf.tensor1d([1, 0, 1, 0], 'int32'), size as unknown as [number, number], method, 0.25),
        );
      }
    }
  });

  test('transform: bilinear and nearest, constant and nearest fill, one map for all images or one each', async () => {
    const maps = (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const a = 0.2 * (i + 1);
        out.push(Math.cos(a), -Math.sin(a), 1.5 - i, Math.sin(a), Math.cos(a), -0.7 + i, i === 2 ? 0.01 : 0, 0);
      }
      return { shape: [n, 8], values: Float32Array.from(out) };
    };
    // tfjs-backend-cpu 4.22 transforms only the first image of a batch (see augment.ts), so the cpu reference
    // transforms one image at a time.
    const warp = (img: tf.Tensor, t: tf.Tensor, interp: 'bilinear' | 'nearest', fill: 'constant' | 'nearest', out?: [number, number]) => {
      const n = img.shape[0];
      if (tf.getBackend() !== 'cpu' || n === 1) return tf.image.transform(img as tf.Tensor4D, t as tf.Tensor2D, interp, fill, 0.5, out);
      const images = tf.split(img, n, 0) as tf.Tensor4D[];
      const ts = t.shape[0] === 1 ? images.map(() => t) : tf.split(t, n, 0);
      return tf.concat(images.map((im, i) => tf.image.transform(im, ts[i] as tf.Tensor2D, interp, fill, 0.5, out)), 0);
    };
    for (const interp of ['bilinear', 'nearest'] as const) {
      for (const fill of ['constant', 'nearest'] as const) {
        await compare(`transform ${interp} ${fill} per image`, [input([3, 9, 8, 2]), maps(3)], (img, t) => warp(img, t, interp, fill));
        await compare(`transform ${interp} ${fill} shared map, other output size`, [input([3, 9, 8, 1]), maps(1)], (img, t) =>
          warp(img, t, interp, fill, [6, 10]),
        );
      }
    }
  });

  test('reflect and wrap fill modes keep the stock kernel', async () => {
    await tf.setBackend('wasm');
    const img = tf.tensor(input([1, 5, 5, 1]).values, [1, 5, 5, 1]) as tf.Tensor4D;
    const t = tf.tensor2d([1, 0, 2, 0, 1, 2, 0, 0], [1, 8]);
    const fast = Array.from(tf.image.transform(img, t, 'bilinear', 'reflect').dataSync());
    await tf.setBackend('cpu');
    const ref = Array.from(tf.image.transform(tf.tensor(img.dataSync(), img.shape) as tf.Tensor4D, tf.tensor2d(t.dataSync(), [1, 8]), 'bilinear', 'reflect').dataSync());
    await tf.setBackend('wasm');
    assertAllClose(fast, ref, RTOL, RTOL, 'reflect');
    tf.dispose([img, t]);
  });
});
