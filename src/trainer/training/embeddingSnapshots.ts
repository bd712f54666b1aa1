/**
 * The test-split features a kNN evaluation has just computed, saved for the projection view: encoder and/or
 * projection-head vectors per evaluated epoch, and the images once per run for hover thumbnails.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../../shared/protocol';
import { SAMPLE_IMAGES_HEADER } from '../../shared/embeddingFiles';
import type { Dataset } from '../data';
import { imageBytes } from '../data/types';
import { embeddingsDir, writeEmbedding, writeSampleImages } from '../embeddings/format';
import { applyModel } from '../encoders';
import type { RunContext } from './runContext';

/** Writes the first `embeddings.maxPoints` test-split features (encoder, and optionally projection-head outputs). */
export async function writeEmbeddings(ctx: RunContext, config: RunConfig, data: Dataset, features: tf.Tensor2D, head: tf.LayersModel): Promise<void> {
  const count = Math.min(config.embeddings.maxPoints, features.shape[0]);
  if (count === 0 || config.embeddings.layers.length === 0) return;
  const indices = Int32Array.from({ length: count }, (_, i) => i);
  const labels = data.test.labels.slice(0, count);
  if (!fs.existsSync(path.join(embeddingsDir(ctx.folder.dir), SAMPLE_IMAGES_HEADER))) {
    const bytes = imageBytes(data);
    writeSampleImages(ctx.folder.dir, data.test.images.subarray(0, count * bytes), count, data.height, data.width, data.channels, indices);
  }
  for (const layer of config.embeddings.layers) {
    const rows = tf.tidy(() => {
      const f = tf.slice(features, [0, 0], [count, -1]) as tf.Tensor2D;
      return layer === 'encoder' ? f : applyModel(head, f, false);
    });
    const vectors = (await rows.data()) as Float32Array;
    const dim = rows.shape[1];
    rows.dispose();
    const rel = writeEmbedding(
      ctx.folder.dir,
      { epoch: ctx.epoch, step: ctx.step, layer, dataset: data.name, vectors, dim, labels, indices, classNames: data.classNames },
      config.embeddings.keepLast,
    );
    ctx.emit({ type: 'embedding', path: rel });
  }
}
