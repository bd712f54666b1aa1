/** Loss+gradient time over batch sizes, and the kNN monitor at full MNIST scale, on the active backend. */
import * as tf from '@tensorflow/tfjs';
import { knnAccuracy } from '../src/trainer/knn';
import { lossWithNpc } from '../src/trainer/losses';

async function median(runs: number, f: () => Promise<void>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export async function benchLossGradient(sizes: number[], dim = 128): Promise<{ n: number; ms: number }[]> {
  const out: { n: number; ms: number }[] = [];
  for (const n of sizes) {
    const z1 = tf.randomNormal([n, dim], 0, 1, 'float32', 1) as tf.Tensor2D;
    const z2 = tf.randomNormal([n, dim], 0, 1, 'float32', 2) as tf.Tensor2D;
    const ms = await median(n >= 2048 ? 1 : 3, async () => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => lossWithNpc('dcl', a as tf.Tensor2D, b as tf.Tensor2D).loss)([z1, z2]);
      await g[0].data();
      tf.dispose(g);
    });
    tf.dispose([z1, z2]);
    out.push({ n, ms });
  }
  return out;
}

export async function benchKnn(bankSize: number, queries: number, dim = 128): Promise<{ seconds: number; peakTfMiB: number }> {
  const bank = tf.randomNormal([bankSize, dim], 0, 1, 'float32', 3) as tf.Tensor2D;
  const q = tf.randomNormal([queries, dim], 0, 1, 'float32', 4) as tf.Tensor2D;
  const labels = Int32Array.from({ length: bankSize }, (_, i) => i % 10);
  const qLabels = Int32Array.from({ length: queries }, (_, i) => i % 10);
  let peak = tf.memory().numBytes;
  const timer = setInterval(() => (peak = Math.max(peak, tf.memory().numBytes)), 20);
  const t = performance.now();
  await knnAccuracy(bank, labels, q, qLabels, 10, { k: 200, t: 0.1 });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  tf.dispose([bank, q]);
  return { seconds, peakTfMiB: peak / 2 ** 20 };
}
