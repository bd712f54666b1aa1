/**
 * Training-mode batch norm as two native kernels on the wasm heap: the forward pass (y and the batch
 * statistics) and its closed-form gradient. They are kernels of their own, not overrides of stock ones,
 * because tfjs has no fused batch-norm-with-statistics kernel: batchNorm.ts calls them through
 * `runKernel` wherever the active backend registers them, and keeps its tensor-op formulation elsewhere.
 * For the CNN encoder's three layers that is ~4 passes over the activations instead of ~25 single-threaded
 * wasm element-wise kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { KernelArgs, asWasmBackend, input } from './wasmKernels';

/** Inputs x [..., C], gamma [C], beta [C]; attrs {epsilon}; outputs y (x's shape), mean [C], variance [C]. */
export const BATCH_NORM_TRAINING = 'DclBatchNormTraining';
/** Inputs dy, x, gamma, mean, variance; attrs {epsilon}; outputs dx, dgamma [C], dbeta [C]. */
export const BATCH_NORM_TRAINING_GRAD = 'DclBatchNormTrainingGrad';

interface Attrs {
  epsilon: number;
}

export function makeNativeBatchNormTraining(native: NativeKernels): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const gamma = input(args, 'gamma');
    const beta = input(args, 'beta');
    const channels = gamma.shape.reduce((a, b) => a * b, 1);
    if ([x, gamma, beta].some((t) => t.dtype !== 'float32') || x.shape[x.shape.length - 1] !== channels) {
      throw new Error(`${BATCH_NORM_TRAINING}: needs float32 x [..., C] with gamma and beta of C values; got x ${x.dtype} [${x.shape}], gamma [${gamma.shape}]`);
    }
    const backend = asWasmBackend(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput([channels], 'float32');
    const variance = backend.makeOutput([channels], 'float32');
    // Heap views after every allocation: growing the heap detaches older views.
    const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
    native.batchNormForward(heap(x), heap(gamma), heap(beta), heap(y), heap(mean), heap(variance), (args.attrs as unknown as Attrs).epsilon);
    return [y, mean, variance];
  };
}

export function makeNativeBatchNormTrainingGrad(native: NativeKernels): tf.KernelFunc {
  return (args: KernelArgs) => {
    const [dy, x, gamma, mean, variance] = ['dy', 'x', 'gamma', 'mean', 'variance'].map((name) => input(args, name));
    const backend = asWasmBackend(args.backend);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dGamma = backend.makeOutput(gamma.shape, 'float32');
    const dBeta = backend.makeOutput(gamma.shape, 'float32');
    const heap = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
    native.batchNormBackward(
      heap(dy),
      heap(x),
      heap(gamma),
      heap(mean),
      heap(variance),
      heap(dx),
      heap(dGamma),
      heap(dBeta),
      (args.attrs as unknown as Attrs).epsilon,
    );
    return [dx, dGamma, dBeta];
  };
}
