/**
 * Linear evaluation, the metric of the contrastive-learning papers' tables: a softmax classifier trained on
 * frozen, L2-normalised encoder features of the labelled train split, scored by top-1 on the test split. The
 * weight decay is chosen on a seeded held-out part of the train split, then the classifier is refitted on all
 * of it with that value.
 */
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../losses';
import { deriveSeed, mulberry32, permutation } from '../random';
import { accuracyOf, fitSoftmaxRegression, predictSoftmax, type SoftmaxModel } from './softmaxRegression';

/**
 * λ candidates, strongest first: each fit warm-starts from the previous (a regularisation path). Unit-norm
 * features need large weights for confident logits, so useful values are small: on MNIST features λ = 1e-3
 * costs 20 points of validation top-1, and below 1e-7 the fit no longer moves within the gradient tolerance.
 */
export const LINEAR_WEIGHT_DECAYS: readonly number[] = [1e-4, 1e-5, 1e-6, 1e-7];
export const LINEAR_VALIDATION_FRACTION = 0.1;

export interface LabelledFeatures {
  features: tf.Tensor2D;
  labels: Int32Array;
}

export interface LinearEvalOptions {
  seed: number;
  weightDecays?: readonly number[];
  validationFraction?: number;
  /** Cap on L-BFGS iterations per fit. */
  maxIterations?: number;
  onLog?: (line: string) => void;
  /** Polled between the classifier's fits (after a macrotask turn, so a signal is seen): true abandons the evaluation. */
  shouldStop?: () => boolean;
}

/** Thrown when `shouldStop` asked the evaluation to end before its result (a run being stopped). */
export class LinearEvalAbandoned extends Error {
  constructor() {
    super('linear evaluation abandoned: a stop was requested');
  }
}

/** L-BFGS awaits resolve as microtasks; a stop request (a signal, an IPC message) arrives in a macrotask. */
async function checkStop(options: LinearEvalOptions): Promise<void> {
  if (!options.shouldStop) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (options.shouldStop()) throw new LinearEvalAbandoned();
}

export interface LinearEvalResult {
  /** Top-1 on the test split. */
  accuracy: number;
  weightDecay: number;
  validationAccuracy: number;
  /** Validation top-1 of every λ tried, in the order tried. */
  validation: { weightDecay: number; accuracy: number }[];
  trainSize: number;
  testSize: number;
  featureDim: number;
  /** Wall time of the classifier's fits and predictions (features not included). */
  fitSeconds: number;
}

export async function linearEvaluation(train: LabelledFeatures, test: LabelledFeatures, numClasses: number, options: LinearEvalOptions): Promise<LinearEvalResult> {
  const t0 = Date.now();
  const grid = options.weightDecays ?? LINEAR_WEIGHT_DECAYS;
  if (!grid.length) throw new Error('linear evaluation: no weight decay to try');
  const n = train.features.shape[0];
  const fraction = options.validationFraction ?? LINEAR_VALIDATION_FRACTION;
  const nVal = Math.round(n * fraction);
  if (grid.length > 1 && (nVal < 1 || nVal >= n)) {
    throw new Error(`linear evaluation: ${n} training features cannot be split ${Math.round((1 - fraction) * 100)}/${Math.round(fraction * 100)} for validation`);
  }
  const lbfgs = options.maxIterations ? { maxIterations: options.maxIterations } : undefined;
  const log = options.onLog ?? (() => {});

  // Centred on the train mean after normalising: the unpenalised bias absorbs the shift (W·(x − μ) + b is
  // W·x + b′), so the optimum's predictions are the same, but ReLU features share a large mean direction that
  // makes the objective badly conditioned; without it L-BFGS needs several times the iterations.
  const [trainX, testX] = tf.tidy(() => {
    const trainN = l2Normalize(train.features);
    const mean = tf.mean(trainN, 0);
    return [tf.sub(trainN, mean) as tf.Tensor2D, tf.sub(l2Normalize(test.features), mean) as tf.Tensor2D];
  });
  const tensors: tf.Tensor[] = [trainX, testX];
  try {
    let chosen = { weightDecay: grid[0], accuracy: NaN, model: undefined as SoftmaxModel | undefined };
    const validation: LinearEvalResult['validation'] = [];
    if (grid.length > 1) {
      const order = permutation(n, mulberry32(deriveSeed(options.seed, 5)));
      const valIdx = order.slice(0, nVal);
      const fitIdx = order.slice(nVal);
      const fitX = tf.gather(trainX, fitIdx) as tf.Tensor2D;
      const valX = tf.gather(trainX, valIdx) as tf.Tensor2D;
      tensors.push(fitX, valX);
      const fitLabels = Int32Array.from(fitIdx, (i) => train.labels[i]);
      const valLabels = Int32Array.from(valIdx, (i) => train.labels[i]);
      let previous: SoftmaxModel | undefined;
      for (const weightDecay of grid) {
        await checkStop(options);
        const tFit = Date.now();
        const fit = await fitSoftmaxRegression(fitX, fitLabels, numClasses, { weightDecay, init: previous, lbfgs });
        const accuracy = accuracyOf(await predictSoftmax(fit.model, valX), valLabels);
        validation.push({ weightDecay, accuracy });
        log(`linear eval: λ ${weightDecay}: validation top-1 ${(accuracy * 100).toFixed(2)}% (${fit.iterations} iterations, ${fit.evaluations} evaluations, ${fit.stopReason}, ${((Date.now() - tFit) / 1000).toFixed(1)} s)`);
        // Strictly better only: on a tie the stronger penalty (tried first) stays.
        if (!(accuracy <= chosen.accuracy)) chosen = { weightDecay, accuracy, model: fit.model };
        previous = fit.model;
      }
    }
    await checkStop(options);
    const final = await fitSoftmaxRegression(trainX, train.labels, numClasses, { weightDecay: chosen.weightDecay, init: chosen.model, lbfgs });
    const accuracy = accuracyOf(await predictSoftmax(final.model, testX), test.labels);
    log(`linear eval: λ ${chosen.weightDecay} on all ${n} train features: test top-1 ${(accuracy * 100).toFixed(2)}% (${final.iterations} iterations)`);
    return {
      accuracy,
      weightDecay: chosen.weightDecay,
      validationAccuracy: chosen.accuracy,
      validation,
      trainSize: n,
      testSize: test.features.shape[0],
      featureDim: train.features.shape[1],
      fitSeconds: (Date.now() - t0) / 1000,
    };
  } finally {
    tf.dispose(tensors);
  }
}
