/**
 * Weighted kNN monitor (InstDisc / Wu et al. 2018): cosine similarity of each query to a feature bank,
 * top-k neighbours vote for their label with weight exp(sim / t); the top-voted class is the prediction.
 */
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './losses';

export interface KnnOptions {
  k?: number;
  t?: number;
  /** Upper bound on the similarity block held at once (queries × bank entries). */
  maxBlockElements?: number;
}

export const DEFAULT_KNN_K = 200;
export const DEFAULT_KNN_T = 0.1;

/**
 * Predicted labels of `queries` against `bank` (features [M, d], labels length M, in [0, numClasses)).
 * Queries go through in chunks so a 60 000 × 10 000 evaluation never materialises the full similarity matrix.
 */
export async function knnPredict(
  bank: tf.Tensor2D,
  bankLabels: Int32Array,
  queries: tf.Tensor2D,
  numClasses: number,
  opts: KnnOptions = {},
): Promise<Int32Array> {
  const m = bank.shape[0];
  if (m === 0) throw new Error('kNN feature bank is empty');
  if (bankLabels.length !== m) throw new Error(`kNN bank has ${m} features but ${bankLabels.length} labels`);
  if (bank.shape[1] !== queries.shape[1]) {
    throw new Error(`kNN feature widths differ: bank ${bank.shape[1]}, queries ${queries.shape[1]}`);
  }
  const k = Math.max(1, Math.min(opts.k ?? DEFAULT_KNN_K, m));
  const t = opts.t ?? DEFAULT_KNN_T;
  if (!(t > 0)) throw new Error(`kNN temperature t must be positive; got ${t}`);
  const maxBlock = opts.maxBlockElements ?? 1 << 24;
  const chunk = Math.max(1, Math.floor(maxBlock / m));
  const nq = queries.shape[0];
  const out = new Int32Array(nq);

  const bankN = l2Normalize(bank);
  const labels = tf.tensor1d(bankLabels, 'int32');
  try {
    for (let start = 0; start < nq; start += chunk) {
      const size = Math.min(chunk, nq - start);
      const pred = tf.tidy(() => {
        const q = l2Normalize(tf.slice(queries, [start, 0], [size, -1]) as tf.Tensor2D);
        const sim = tf.matMul(q, bankN, false, true);
        const { values, indices } = tf.topk(sim, k, true);
        const neighbourLabels = tf.gather(labels, indices); // [size, k]
        // exp((sim − 1)/t) ∝ exp(sim/t) but cannot overflow (cos ≤ 1), even for tiny t.
        const weights = tf.exp(tf.div(tf.sub(values, 1), t)); // [size, k]
        const votes = tf.sum(tf.mul(tf.oneHot(neighbourLabels, numClasses), tf.expandDims(weights, 2)), 1); // [size, C]
        return tf.argMax(votes, 1);
      });
      const data = await pred.data();
      pred.dispose();
      out.set(data, start);
    }
  } finally {
    bankN.dispose();
    labels.dispose();
  }
  return out;
}

/** Top-1 accuracy of the weighted kNN classifier. */
export async function knnAccuracy(
  bank: tf.Tensor2D,
  bankLabels: Int32Array,
  queries: tf.Tensor2D,
  queryLabels: Int32Array,
  numClasses: number,
  opts: KnnOptions = {},
): Promise<number> {
  if (queryLabels.length !== queries.shape[0]) {
    throw new Error(`kNN has ${queries.shape[0]} queries but ${queryLabels.length} labels`);
  }
  const pred = await knnPredict(bank, bankLabels, queries, numClasses, opts);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === queryLabels[i]) correct++;
  return pred.length ? correct / pred.length : NaN;
}
