/**
 * The kernels the compiled native code serves, as one list for both backends that use it: the wasm backend
 * (tensors on the wasm heap, fastWasm/index.ts) and the native backend (tensors in ordinary memory,
 * native/nativeBackend.ts). Each override wraps the kernel it replaces, which keeps every case the native path
 * does not cover (other dtypes, odd shapes, other activations).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, makeNativeBatchNormTraining, makeNativeBatchNormTrainingGrad } from './nativeBatchNorm';
import { makeNativeConv2D, makeNativeConv2DBackpropFilter, makeNativeConv2DBackpropInput } from './nativeConv';
import { RELU_GRAD, makeFill, makeNativeBinary, makeNativeClip, makeNativeExp, makeNativeRelu, makeNativeReluGrad } from './nativeElementwise';
import { SPREAD_OVER_AXES, makeNativeSpreadOverAxes } from './nativeGradients';
import { makeNativeCropAndResize, makeNativeTransform } from './nativeImage';
import { makeNativeFusedBatchNorm, makeNativeTopK } from './nativeInference';
import { makeNativeBatchMatMul, makeNativeFusedMatMul } from './nativeMatMul';
import { makeNativeReduction } from './sum';

type Maker = (native: NativeKernels, fallback: tf.KernelFunc) => tf.KernelFunc;

/** Stock kernels replaced, each by a maker that falls back to the kernel it wraps. */
const WRAPPED: [string, Maker][] = [
  [tf.BatchMatMul, makeNativeBatchMatMul],
  [tf._FusedMatMul, makeNativeFusedMatMul],
  [tf.Conv2D, makeNativeConv2D],
  [tf.FusedConv2D, makeNativeConv2D],
  [tf.Conv2DBackpropFilter, makeNativeConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, makeNativeConv2DBackpropInput],
  [tf.CropAndResize, makeNativeCropAndResize],
  [tf.Transform, makeNativeTransform],
  [tf.Relu, makeNativeRelu],
  [tf.Sum, (n, fallback) => makeNativeReduction(fallback, n, false)],
  [tf.Mean, (n, fallback) => makeNativeReduction(fallback, n, true)],
  [tf.Exp, makeNativeExp],
  [tf.Add, makeNativeBinary(tf.Add)],
  [tf.Sub, makeNativeBinary(tf.Sub)],
  [tf.Multiply, makeNativeBinary(tf.Multiply)],
  [tf.RealDiv, makeNativeBinary(tf.RealDiv)],
  [tf.FusedBatchNorm, makeNativeFusedBatchNorm],
  [tf.TopK, makeNativeTopK],
  [tf.ClipByValue, makeNativeClip],
  [tf.Fill, makeFill],
];

/** Kernels with no stock counterpart: batchNorm.ts and nativeGradients.ts ask the registry whether they exist. */
const OWN: [string, (native: NativeKernels) => tf.KernelFunc][] = [
  [BATCH_NORM_TRAINING, makeNativeBatchNormTraining],
  [BATCH_NORM_TRAINING_GRAD, makeNativeBatchNormTrainingGrad],
  [RELU_GRAD, makeNativeReluGrad],
  [SPREAD_OVER_AXES, makeNativeSpreadOverAxes],
];

/**
 * [kernel name, kernel] for every native kernel; `fallbackOf(name)` gives the kernel a wrapped one falls back to
 * (a stock kernel missing on the backend skips its override).
 */
export function nativeKernelOverrides(native: NativeKernels, fallbackOf: (name: string) => tf.KernelFunc | undefined): [string, tf.KernelFunc][] {
  const wrapped = WRAPPED.flatMap(([name, make]): [string, tf.KernelFunc][] => {
    const fallback = fallbackOf(name);
    return fallback ? [[name, make(native, fallback)]] : [];
  });
  return [...wrapped, ...OWN.map(([name, make]): [string, tf.KernelFunc] => [name, make(native)])];
}
