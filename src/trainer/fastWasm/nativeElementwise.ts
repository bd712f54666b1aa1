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

/** ClipByValue (the augmentations clip every view to [0, 1]). */
export function makeNativeClip(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { clipValueMin, clipValueMax } = args.attrs as unknown as { clipValueMin: number; clipValueMax: number };
    return makeNativeUnary((x, y) => native.clip(x, clipValueMin, clipValueMax, y), fallback)(args);
  };
}

/**
 * Fill of a float32 or int32 tensor into a buffer of the backend's own (on the native backend a reused one: the cpu
 * kernel's fresh array costs a page fault per 4 KiB).
 */
export function makeFill(_native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { shape, value, dtype } = args.attrs as unknown as { shape: number[]; value: number; dtype: tf.DataType };
    if ((dtype !== 'float32' && dtype !== 'int32') || typeof value !== 'number') return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(shape, dtype);
    backend.typedArrayFromHeap(out).fill(value);
    return out;
  };
}

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

/** How the C kernel reads an operand of [rows, inner]: one row for every row, its own row, or one value per row. */
const enum Read {
  Row = 0,
  Whole = 1,
  PerRow = 2,
}

/** An operand's read and, where the read fixes it, the axis that splits the output into [rows, inner]. */
type OperandPlan = { read: Read | 'scalar'; split?: number };

function planOperand(shape: number[], outShape: number[]): OperandPlan | null {
  const size = tf.util.sizeFromShape(shape);
  const rank = outShape.length;
  if (size === tf.util.sizeFromShape(outShape)) return { read: Read.Whole };
  if (size === 1) return { read: 'scalar' };
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  // A row: leading 1s, then exactly the output's trailing axes (a bias, a per-channel scale).
  const firstReal = padded.findIndex((d) => d !== 1);
  if (padded.slice(firstReal).every((d, i) => d === outShape[firstReal + i])) return { read: Read.Row, split: firstReal };
  // One value per row: the output's leading axes, then trailing 1s (a row norm, a per-image factor).
  let lastReal = rank - 1;
  while (padded[lastReal] === 1) lastReal--;
  if (padded.slice(0, lastReal + 1).every((d, i) => d === outShape[i])) return { read: Read.PerRow, split: lastReal + 1 };
  return null;
}

/**
 * The [rows, inner] layout of `out = a op b` when each operand is the whole output, a row matching the output's
 * trailing axes, one value per row of its leading axes, or a single value; null for any other broadcast (left to the
 * kernel the native one wraps).
 */
export function binaryLayout(
  aShape: number[],
  bShape: number[],
): { outShape: number[]; rows: number; inner: number; reads: [Read | 'scalar', Read | 'scalar'] } | null {
  let outShape: number[];
  try {
    outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  } catch {
    return null;
  }
  const n = tf.util.sizeFromShape(outShape);
  const pa = planOperand(aShape, outShape);
  const pb = planOperand(bShape, outShape);
  if (!pa || !pb || n === 0 || (pa.read === Read.PerRow && pb.read === Read.PerRow)) return null;
  if (pa.split !== undefined && pb.split !== undefined && pa.split !== pb.split) return null;
  let split = pa.split ?? pb.split;
  if (split === undefined) {
    // Free to choose: rows of at least 256 values keep the inner loop long enough to vectorise.
    split = outShape.length;
    while (split > 0 && tf.util.sizeFromShape(outShape.slice(split)) < 256) split--;
  }
  const inner = tf.util.sizeFromShape(outShape.slice(split));
  return { outShape, rows: n / inner, inner, reads: [pa.read, pb.read] };
}

const BINARY_OPS: Record<string, number> = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3 };

/** Add, Sub, Multiply or RealDiv on float32 operands in one multi-threaded native pass (see binaryLayout). */
export function makeNativeBinary(kernelName: string): (native: NativeKernels, fallback: tf.KernelFunc) => tf.KernelFunc {
  const op = BINARY_OPS[kernelName];
  if (op === undefined) throw new Error(`native binary: no operator for ${kernelName}`);
  return (native, fallback) => (args: KernelArgs) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const layout = a.dtype === 'float32' && b.dtype === 'float32' ? binaryLayout(a.shape, b.shape) : null;
    if (!layout) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(layout.outShape, 'float32');
    // Heap views after the allocation: growing the heap detaches older views. A single value is read as a row of it.
    const values = (t: tf.TensorInfo, read: Read | 'scalar'): [Float32Array, Read] =>
      read === 'scalar' ? [new Float32Array(layout.inner).fill(backend.typedArrayFromHeap(t)[0]), Read.Row] : [backend.typedArrayFromHeap(t), read];
    const [va, ra] = values(a, layout.reads[0]);
    const [vb, rb] = values(b, layout.reads[1]);
    native.binary(op, va, ra, vb, rb, backend.typedArrayFromHeap(out), layout.rows, layout.inner);
    return out;
  };
}
