/**
 * Element-wise kernels for wasm computed natively, multi-threaded: Exp (the loss's exponentials, ~10 ns an
 * element in the wasm kernel), ReLU and ReLU's gradient.
 *
 * ReLU: tfjs differentiates Relu as dy · cast(step(x)), three single-threaded wasm passes (Step, Cast,
 * Multiply) per layer and step, plus the forward Relu: about a tenth of a CNN step. Here the forward is an override of the Relu kernel and the
 * gradient one kernel of its own (RELU_GRAD), which nativeGradients.ts routes Relu's gradient to on
 * backends that register it; everywhere else the stock gradient runs unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { KernelArgs, asWasmBackend, input } from './wasmKernels';

/** Inputs dy, x (float32, same shape); output dx = dy · step(x). */
export const RELU_GRAD = 'DclReluGrad';

/** A float32 element-wise kernel y = f(x) computed by `apply`; other dtypes go to `fallback`. */
function makeNativeUnary(apply: (x: Float32Array, y: Float32Array) => void, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    if (x.dtype !== 'float32') return fallback(args);
    const backend = asWasmBackend(args.backend);
    const y = backend.makeOutput(x.shape, 'float32');
    apply(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(y));
    return y;
  };
}

export const makeNativeExp = (native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc =>
  makeNativeUnary((x, y) => native.exp(x, y), fallback);

export const makeNativeRelu = (native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc =>
  makeNativeUnary((x, y) => native.relu(x, y), fallback);

export function makeNativeReluGrad(native: NativeKernels): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = input(args, 'dy');
    const x = input(args, 'x');
    if (dy.dtype !== 'float32' || x.dtype !== 'float32' || tf.util.sizeFromShape(dy.shape) !== tf.util.sizeFromShape(x.shape)) {
      throw new Error(`${RELU_GRAD}: needs float32 dy and x of one size; got dy ${dy.dtype} [${dy.shape}], x ${x.dtype} [${x.shape}]`);
    }
    const backend = asWasmBackend(args.backend);
    const dx = backend.makeOutput(x.shape, 'float32');
    native.reluGrad(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dx));
    return dx;
  };
}
