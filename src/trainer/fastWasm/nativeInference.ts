/**
 * Kernels of evaluation rather than training, computed natively: batch norm with its moving statistics (every
 * encoder pass of the kNN monitor and the projections: the cpu backend's kernel took 1.4 s of a 10 000-image
 * CNN encoding) and TopK (the kNN monitor's k nearest neighbours of each query).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { KernelArgs, asWasmBackend, input } from './wasmKernels';

const NONE = new Float32Array(0);

export function makeNativeFusedBatchNorm(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const { mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const channels = x.shape[x.shape.length - 1];
    const perChannel = (t: tf.TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && tf.util.sizeFromShape(t.shape) === channels);
    if (x.dtype !== 'float32' || x.shape.length < 1 || !mean || !variance || ![mean, variance, offset, scale].every(perChannel) || channels === 0) {
      return fallback(args);
    }
    const backend = asWasmBackend(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    const heap = (t: tf.TensorInfo | undefined) => (t ? backend.typedArrayFromHeap(t) : NONE);
    // tfjs's default ε when the attribute is absent.
    const epsilon = (args.attrs as { varianceEpsilon?: number }).varianceEpsilon ?? 0.001;
    native.batchNormInference(heap(x), heap(mean), heap(variance), heap(offset), heap(scale), epsilon, heap(y));
    return y;
  };
}

export function makeNativeTopK(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const { k, sorted } = args.attrs as unknown as { k: number; sorted: boolean };
    const cols = x.shape[x.shape.length - 1];
    // Unsorted selections keep the wrapped kernel's (unspecified) order.
    if (x.dtype !== 'float32' || x.shape.length < 1 || !sorted || !(k >= 1 && k <= cols) || tf.util.sizeFromShape(x.shape) === 0) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const outShape = [...x.shape.slice(0, -1), k];
    const values = backend.makeOutput(outShape, 'float32');
    const indices = backend.makeOutput(outShape, 'int32');
    native.topK(backend.typedArrayFromHeap(x), cols, k, backend.typedArrayFromHeap(values), backend.typedArrayFromHeap(indices) as unknown as Int32Array);
    return [values, indices];
  };
}
