/**
 * Batch normalisation whose training step costs a handful of passes over the activations.
 *
 * tf.layers' BatchNormalization differentiates through tf.moments and the FusedBatchNorm gradient, which
 * tiles 1/σ to the full activation shape, fills a tensor of ones for each Mean gradient and reduces over the
 * leading axes with Sum: about fifteen full-size passes per layer, and most of a CNN step's time on the wasm
 * backend. Here the forward pass and its closed-form gradient are written out, with five to six passes:
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)
 * with batch statistics over every axis but the last (M values per channel), exactly what the stock layer
 * computes in training. Inference, and any configuration the fast path does not cover, is the stock layer's.
 * Where the backend registers the native batch-norm kernels (wasm with native kernels: fastWasm/nativeBatchNorm.ts)
 * the same formulas run as one forward and one backward kernel of about two passes each.
 *
 * The class is registered under the stock class name, so saved models keep the standard Layers format (any
 * TensorFlow.js program loads them) and models loaded here train with the fast path too.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from './fastWasm/nativeBatchNorm';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Record<string, unknown>;

/** The members of tfjs-layers' BatchNormalization this file relies on (they are not in the public typings). */
interface StockBatchNorm extends tf.layers.Layer {
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor };
  beta: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

// tfjs-layers does not export the class itself; an instance's constructor is it.
const StockBatchNormalization = tf.layers.batchNormalization({}).constructor as new (args?: BatchNormArgs) => StockBatchNorm;

/** Per-column sums of a [rows, cols] matrix as [1, cols] (a leading-axis Sum: fastWasm/sum.ts on wasm). */
function columnSums(m: tf.Tensor2D, scale = 1): tf.Tensor2D {
  const sums = tf.sum(m, 0, true) as tf.Tensor2D;
  return scale === 1 ? sums : tf.mul(sums, scale);
}

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  /** Batch mean and (biased) variance per channel, for the moving averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over all axes but the last, differentiable in x, γ and β. Call inside a tidy;
 * mean and variance are returned outside the gradient (the moving averages need no gradient).
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTrainingResult {
  if (tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend())) return batchNormTrainingKernels(x, gamma, beta, epsilon);
  const channels = x.shape[x.rank - 1];
  const rows = x.size / channels;
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  // customGrad's typing cannot express (x, γ, β, save); the arguments are exactly these at run time.
  const normalise = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2 = tf.reshape(xIn, [rows, channels]) as tf.Tensor2D;
    const mean = columnSums(x2, 1 / rows);
    const centred = tf.sub(x2, mean);
    const variance = columnSums(tf.square(centred) as tf.Tensor2D, 1 / rows);
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const gr = tf.mul(g, r);
    const y = tf.add(tf.mul(centred, gr), b);
    stats = [tf.keep(tf.reshape(mean, [channels])), tf.keep(tf.reshape(variance, [channels]))];
    save([x2, mean, r, gr]);
    return {
      value: tf.reshape(y, xIn.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, rr, grr] = saved;
        const dy2 = tf.reshape(dy, [rows, channels]) as tf.Tensor2D;
        const sumDy = columnSums(dy2);
        // Σ dy·(x − μ) = Σ dy·x − μ·Σ dy: saves keeping the centred activations.
        const sumDyCentred = tf.sub(columnSums(tf.mul(dy2, xs) as tf.Tensor2D), tf.mul(mu, sumDy));
        const dGamma = tf.mul(sumDyCentred, rr);
        // dx = γr·dy + c1·x + c0 with c1 = −γr·r²·Σdy(x−μ)/M and c0 = −γr·Σdy/M − μ·c1.
        const c1 = tf.mul(tf.neg(grr), tf.mul(tf.square(rr), tf.div(sumDyCentred, rows)));
        const c0 = tf.sub(tf.mul(tf.neg(grr), tf.div(sumDy, rows)), tf.mul(mu, c1));
        const dx = tf.add(tf.add(tf.mul(dy2, grr), tf.mul(xs, c1)), c0);
        return [tf.reshape(dx, xIn.shape), tf.reshape(dGamma, g.shape), tf.reshape(sumDy, b.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = normalise(x, gamma, beta);
  return { y, mean: stats![0], variance: stats![1] };
}

/** batchNormTraining through the backend's own forward and gradient kernels. */
function batchNormTrainingKernels(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTrainingResult {
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const normalise = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xIn, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    stats = [tf.keep(mean as tf.Tensor1D), tf.keep(variance as tf.Tensor1D)];
    save([xIn, g, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, mu, vr] = saved;
        return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x: xs, gamma: gs, mean: mu, variance: vr }, { epsilon }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = normalise(x, gamma, beta);
  return { y, mean: stats![0], variance: stats![1] };
}

/** While > 0, training-mode calls use batch statistics but leave the moving averages alone (see freezeMovingStatistics). */
let movingStatisticsFrozen = 0;

/**
 * Runs `fn` with every batch-norm layer's moving averages left unchanged: for a forward pass that recomputes one
 * already counted (step.ts's view-at-a-time backward), so the averages move once per view and step, as always.
 */
export function freezeMovingStatistics<T>(fn: () => T): T {
  movingStatisticsFrozen++;
  try {
    return fn();
  } finally {
    movingStatisticsFrozen--;
  }
}

export class FastBatchNormalization extends StockBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = this.axis === -1 || this.axis === x.rank - 1;
    if (kwargs.training !== true || !lastAxis || !this.center || !this.scale || x.rank < 2 || x.dtype !== 'float32') {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(x, this.gamma.read(), this.beta.read(), this.epsilon);
      // The stock layer's update: moving ← moving − (moving − batch)·(1 − momentum).
      for (const [moving, batch] of movingStatisticsFrozen > 0 ? [] : [
        [this.movingMean, mean],
        [this.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const old = moving.read();
          moving.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - this.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}
tf.serialization.registerClass(FastBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

export function batchNormalization(args: BatchNormArgs): tf.layers.Layer {
  return new FastBatchNormalization(args);
}
