/** InfoNCE / NT-Xent (SimCLR): −log(e^pos / (e^pos + Σneg e^s)), as lightly's NTXentLoss. */
import * as tf from '@tensorflow/tfjs';
import type { LossImplementation } from './anchorTerms';

export const infonce: LossImplementation = {
  // −pos + log(e^pos + Σneg) = softplus(logNeg − pos): exact even when the loss is ~1e-8.
  perAnchor: ({ pos, logNeg }) => tf.softplus(tf.sub(logNeg, pos)) as tf.Tensor1D,
};
