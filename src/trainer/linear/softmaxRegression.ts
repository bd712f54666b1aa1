/**
 * Multinomial logistic regression (softmax) on a feature matrix held by the tfjs backend, fitted full-batch with
 * L-BFGS. Objective: mean cross-entropy + (λ/2)·‖W‖² (the bias is not penalised), as scikit-learn's
 * LogisticRegression(multi_class='multinomial') minimises up to the scaling of C = 1/(λ·N).
 */
import * as tf from '@tensorflow/tfjs';
import { minimizeLbfgs, type LbfgsOptions } from './lbfgs';

export interface SoftmaxModel {
  dim: number;
  numClasses: number;
  /** [dim, numClasses] row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface SoftmaxFit {
  model: SoftmaxModel;
  /** Objective at the solution (penalty included). */
  objective: number;
  iterations: number;
  evaluations: number;
  stopReason: string;
}

export interface SoftmaxFitOptions {
  /** λ of the (λ/2)·‖W‖² penalty. */
  weightDecay: number;
  /** Warm start (e.g. the solution for a neighbouring λ). */
  init?: SoftmaxModel;
  lbfgs?: Partial<LbfgsOptions>;
}

/** Packs W then b into one parameter vector, the layout the optimiser sees. */
const pack = (m: SoftmaxModel) => {
  const x = new Float64Array(m.weights.length + m.bias.length);
  x.set(m.weights);
  x.set(m.bias, m.weights.length);
  return x;
};

export async function fitSoftmaxRegression(
  features: tf.Tensor2D,
  labels: Int32Array,
  numClasses: number,
  options: SoftmaxFitOptions,
): Promise<SoftmaxFit> {
  const [n, dim] = features.shape;
  if (labels.length !== n) throw new Error(`linear classifier: ${n} feature rows but ${labels.length} labels`);
  if (n === 0) throw new Error('linear classifier: no training features');
  for (const l of labels) if (!(l >= 0 && l < numClasses)) throw new Error(`linear classifier: label ${l} is outside 0..${numClasses - 1}`);
  const lambda = options.weightDecay;
  if (!(lambda >= 0)) throw new Error(`linear classifier: weight decay must be ≥ 0; got ${lambda}`);
  if (options.init && (options.init.dim !== dim || options.init.numClasses !== numClasses)) throw new Error('linear classifier: warm start has another shape');
  const nW = dim * numClasses;
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D);

  const objective = async (x: Float64Array) => {
    const [loss, gradW, gradB] = tf.tidy((): [tf.Scalar, tf.Tensor2D, tf.Tensor1D] => {
      const w = tf.tensor2d(Float32Array.from(x.subarray(0, nW)), [dim, numClasses]);
      const b = tf.tensor1d(Float32Array.from(x.subarray(nW)));
      const logProbs = tf.logSoftmax(tf.add(tf.matMul(features, w), b));
      const nll = tf.neg(tf.mean(tf.sum(tf.mul(logProbs, oneHot), 1)));
      // d(mean CE)/d logits = (softmax − onehot) / N.
      const residual = tf.div(tf.sub(tf.exp(logProbs), oneHot), n);
      return [nll as tf.Scalar, tf.matMul(features, residual, true, false), tf.sum(residual, 0) as tf.Tensor1D];
    });
    try {
      const [l, gw, gb] = await Promise.all([loss.data(), gradW.data(), gradB.data()]);
      const grad = new Float64Array(x.length);
      let penalty = 0;
      // The penalty in float64 here: it is cheap and keeps the weights' share of the objective exact.
      for (let i = 0; i < nW; i++) {
        penalty += x[i] * x[i];
        grad[i] = gw[i] + lambda * x[i];
      }
      grad.set(gb, nW);
      return { value: l[0] + 0.5 * lambda * penalty, grad };
    } finally {
      tf.dispose([loss, gradW, gradB]);
    }
  };

  try {
    const x0 = options.init ? pack(options.init) : new Float64Array(nW + numClasses);
    const r = await minimizeLbfgs(objective, x0, { ...options.lbfgs, diagonal: await inverseCurvature(features, numClasses, lambda) });
    return {
      model: { dim, numClasses, weights: r.x.slice(0, nW), bias: r.x.slice(nW) },
      objective: r.value,
      iterations: r.iterations,
      evaluations: r.evaluations,
      stopReason: r.reason,
    };
  } finally {
    oneHot.dispose();
  }
}

/**
 * The preconditioner: an estimate of the inverse Hessian's diagonal. The Hessian's entry for W[j, c] is
 * mean(p_c(1 − p_c)·x_j²) + λ ≤ mean(x_j²)/4 + λ, the bias's mean(p_c(1 − p_c)) ≤ 1/4. Features whose columns
 * differ in scale by orders of magnitude (ReLU units, some nearly dead) then take comparable steps.
 */
async function inverseCurvature(features: tf.Tensor2D, numClasses: number, lambda: number): Promise<Float64Array> {
  const moments = tf.tidy(() => tf.mean(tf.square(features), 0));
  const m2 = await moments.data();
  moments.dispose();
  const dim = m2.length;
  const out = new Float64Array(dim * numClasses + numClasses).fill(4);
  // A floor for columns that are all zero (their weights never move, but the entry must stay positive and finite).
  const floor = Math.max(lambda, 1e-12 * Math.max(...m2, 1));
  for (let j = 0; j < dim; j++) out.fill(1 / (m2[j] / 4 + floor), j * numClasses, (j + 1) * numClasses);
  return out;
}

/** Arg-max class of each feature row. */
export async function predictSoftmax(model: SoftmaxModel, features: tf.Tensor2D): Promise<Int32Array> {
  if (features.shape[1] !== model.dim) throw new Error(`linear classifier: features have ${features.shape[1]} columns, the model ${model.dim}`);
  const pred = tf.tidy(() => {
    const w = tf.tensor2d(Float32Array.from(model.weights), [model.dim, model.numClasses]);
    return tf.argMax(tf.add(tf.matMul(features, w), tf.tensor1d(Float32Array.from(model.bias))), 1);
  });
  try {
    return Int32Array.from(await pred.data());
  } finally {
    pred.dispose();
  }
}

export function accuracyOf(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length) throw new Error(`accuracy: ${predicted.length} predictions for ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length ? correct / labels.length : NaN;
}
