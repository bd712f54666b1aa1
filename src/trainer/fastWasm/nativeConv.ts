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

/**
 * The two gradients share one shape: dy plus one operand (x or the filter) in, the other's shape given as an
 * attribute, out. `operands` names the kernel's two inputs in the order the C side takes them.
 */
function makeNativeConvGradient(
  mode: Mode,
  operands: [string, string],
  geometryOf: (a: TensorInfo, b: TensorInfo, attrs: ConvAttrs & { filterShape: number[]; inputShape: number[] }) => {
    info: tf.backend_util.Conv2DInfo | null;
    outShape: number[];
    dy: TensorInfo;
  },
  native: NativeKernels,
  fallback: tf.KernelFunc,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = input(args, operands[0]);
    const b = input(args, operands[1]);
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[]; inputShape: number[] };
    const { info, outShape, dy } = allFloat(a, b) ? geometryOf(a, b, attrs) : { info: null, outShape: [], dy: a };
    if (!info || !sameShape(dy.shape, info.outShape)) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(outShape, 'float32');
    // Heap views after the allocation: growing the heap detaches older views.
    native.conv(mode, backend.typedArrayFromHeap(a), backend.typedArrayFromHeap(b), backend.typedArrayFromHeap(out), convDims(info));
    return out;
  };
}

export function makeNativeConv2DBackpropFilter(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return makeNativeConvGradient(
    Mode.FilterGrad,
    ['x', 'dy'],
    (x, dy, attrs) => ({ info: geometry(x.shape, attrs.filterShape, attrs), outShape: attrs.filterShape, dy }),
    native,
    fallback,
  );
}

export function makeNativeConv2DBackpropInput(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return makeNativeConvGradient(
    Mode.InputGrad,
    ['dy', 'filter'],
    (dy, filter, attrs) => ({ info: geometry(attrs.inputShape, filter.shape, attrs), outShape: attrs.inputShape, dy }),
    native,
    fallback,
  );
}
