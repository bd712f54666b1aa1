/**
 * DCLW (Yeh et al., eq. 7): DCL with each positive weighted by w_i = 2 − N·softmax_i(⟨z1_i, z2_i⟩/σ) over the
 * batch, carrying no gradient, as lightly's DCLWLoss: −w·pos + log Σneg e^s.
 */
import * as tf from '@tensorflow/tfjs';
import { stopGradient, type LossImplementation } from './anchorTerms';

/** The per-sample positive weights [N] (both views of sample i share w_i). */
export function dclwWeights(z1n: tf.Tensor2D, z2n: tf.Tensor2D, sigma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = z1n.shape[0];
    const sim = tf.div(tf.sum(tf.mul(z1n, z2n), 1), sigma);
    const w = tf.sub(2, tf.mul(n, tf.softmax(sim)));
    return stopGradient(w) as tf.Tensor1D;
  });
}

export const dclw: LossImplementation = {
  perAnchor: ({ z1n, z2n, pos, logNeg }, { sigma }) => {
    const w = dclwWeights(z1n, z2n, sigma);
    return tf.sub(logNeg, tf.mul(tf.concat([w, w], 0), pos)) as tf.Tensor1D;
  },
};
