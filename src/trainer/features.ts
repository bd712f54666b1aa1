/** Turning dataset bytes into model inputs and encoder features, batch by batch. */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from './data';
import { applyModel } from './encoders';

export interface ImageShape {
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Float32 NHWC batch in [0, 1] of the images at `indices` (a JS copy: one pass over B·H·W·C bytes). */
export function imageBatch(set: ImageSet, indices: ArrayLike<number>, shape: ImageShape): tf.Tensor4D {
  const per = shape.height * shape.width * shape.channels;
  const out = new Float32Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * per;
    const dst = b * per;
    for (let i = 0; i < per; i++) out[dst + i] = set.images[src + i] / 255;
  }
  return tf.tensor4d(out, [indices.length, shape.height, shape.width, shape.channels]);
}

/** Encoder features [count, F] of the first `count` images of a split, in evaluation mode. */
export async function encodeImages(
  encoder: tf.LayersModel,
  set: ImageSet,
  count: number,
  shape: ImageShape,
  batchSize = 512,
): Promise<tf.Tensor2D> {
  const parts: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const idx = Int32Array.from({ length: size }, (_, i) => start + i);
      parts.push(
        tf.tidy(() => {
          const x = imageBatch(set, idx, shape);
          return applyModel(encoder, x, false);
        }),
      );
      // Let signals and IPC through between batches of a long evaluation.
      await new Promise((r) => setImmediate(r));
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}
