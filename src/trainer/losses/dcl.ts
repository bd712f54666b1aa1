/** DCL (Yeh et al., eq. 6): the positive left out of the denominator, −pos + log Σneg e^s, as lightly's DCLLoss. */
import * as tf from '@tensorflow/tfjs';
import type { LossImplementation } from './anchorTerms';

export const dcl: LossImplementation = {
  perAnchor: ({ pos, logNeg }) => tf.sub(logNeg, pos) as tf.Tensor1D,
};
