/**
 * Conv2D, _FusedConv2D and both conv gradients for wasm as native im2col + GEMM (src/trainer/native),
 * on the wasm heap. NHWC float32 only; anything else goes to the wasm kernel each one wraps.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { sameShape } from './convInfo';
import { biasAndActivation, isColumnBias } from './nativeMatMul';
import { KernelArgs, TensorInfo, asWasmBackend, input } from './wasmKernels';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

const enum Mode {
  Forward = 0,
  FilterGrad = 1,
  InputGrad = 2,
}

/** The geometry the C side takes (ConvDims), in its order. */
export function convDims(info: tf.backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  ]);
}

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo | null {
  if (attrs.dataFormat === 'NCHW' || xShape.length !== 4 || filterShape.length !== 4) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const sizes = [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels];
  return sizes.every((v) => v > 0) ? info : null;
}

const allFloat = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

export function makeNativeConv2D(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const filter = input(args, 'filter');
    const bias = args.inputs.bias;
    const attrs = args.attrs as unknown as ConvAttrs;
    const act = attrs.activation ?? 'linear';
    const info = allFloat(x, filter) ? geometry(x.shape, filter.shape, attrs) : null;
    if (!info || (act !== 'linear' && act !== 'relu') || !isColumnBias(bias, info.outChannels) || args.inputs.preluActivationWeights) {
      return fallback(args);
    }
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(info.outShape, 'float32');
    const y = backend.typedArrayFromHeap(out);
    native.conv(Mode.Forward, backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(filter), y, convDims(info));
    if (bias || act === 'relu') biasAndActivation(y, info.outChannels, bias ? backend.typedArrayFromHeap(bias) : null, act === 'relu');
    return out;
  };
}

export function makeNativeConv2DBackpropFilter(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const dy = input(args, 'dy');
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const info = allFloat(x, dy) ? geometry(x.shape, attrs.filterShape, attrs) : null;
    if (!info || !sameShape(dy.shape, info.outShape)) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    native.conv(Mode.FilterGrad, backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(out), convDims(info));
    return out;
  };
}

export function makeNativeConv2DBackpropInput(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = input(args, 'dy');
    const filter = input(args, 'filter');
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const info = allFloat(dy, filter) ? geometry(attrs.inputShape, filter.shape, attrs) : null;
    if (!info || !sameShape(dy.shape, info.outShape)) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(attrs.inputShape, 'float32');
    native.conv(Mode.InputGrad, backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(out), convDims(info));
    return out;
  };
}
