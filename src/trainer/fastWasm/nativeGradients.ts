/**
 * Gradients of stock kernels routed to native kernels where the active backend registers them.
 *
 * tfjs differentiates Relu as dy · cast(step(x)) and Sum/Mean as dy · ones(x.shape) (÷ count): several
 * single-threaded passes, and for Sum/Mean a JavaScript array of ones as large as the input built on every
 * step (global average pooling, the loss's row sums). The routed gradients compute the same values in one
 * native pass. Each replacement falls back to the stock gradient function whenever its kernel is missing on
 * the active backend (cpu, tfjs-node, wasm without native kernels) or the case is not covered, and
 * `uninstallNativeGradients` re-registers the stock configurations.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { RELU_GRAD } from './nativeElementwise';
import { contiguousReduction } from './sum';
import { KernelArgs, asWasmBackend, input } from './wasmKernels';

/** Input dy [outer·inner values]; attrs {shape, outer, middle, inner, divisor}; output of `shape`, dy spread over the middle. */
export const SPREAD_OVER_AXES = 'DclSpreadOverAxes';

interface SpreadAttrs {
  shape: number[];
  outer: number;
  middle: number;
  inner: number;
  divisor: number;
}

export function makeNativeSpreadOverAxes(native: NativeKernels): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = input(args, 'dy');
    const { shape, outer, middle, inner, divisor } = args.attrs as unknown as SpreadAttrs;
    if (dy.dtype !== 'float32' || tf.util.sizeFromShape(dy.shape) !== outer * inner || tf.util.sizeFromShape(shape) !== outer * middle * inner) {
      throw new Error(`${SPREAD_OVER_AXES}: dy ${dy.dtype} [${dy.shape}] does not fit [${outer}, ${middle}, ${inner}] → [${shape}]`);
    }
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(shape, 'float32');
    native.spreadMiddle(backend.typedArrayFromHeap(dy), outer, middle, inner, divisor, backend.typedArrayFromHeap(out));
    return out;
  };
}

type GradFunc = tf.GradConfig['gradFunc'];
type Routed = (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ReturnType<GradFunc> | null;

const available = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

const reluGradient: Routed = (dy, [x]) =>
  dy.dtype === 'float32' && x.dtype === 'float32' && available(RELU_GRAD)
    ? { x: () => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor }
    : null;

/** Sum (mean = false) or Mean over one contiguous run of axes: dy spread back, ÷ the count for a mean. */
function reductionGradient(mean: boolean): Routed {
  return (dy, [x], attrs) => {
    if (dy.dtype !== 'float32' || !available(SPREAD_OVER_AXES)) return null;
    const plan = contiguousReduction(x.shape, attrs.axis as number | number[], false);
    if (!plan || plan.outer * plan.middle * plan.inner === 0) return null;
    const spread: SpreadAttrs = { shape: x.shape, outer: plan.outer, middle: plan.middle, inner: plan.inner, divisor: mean ? plan.middle : 1 };
    return { x: () => tf.engine().runKernel(SPREAD_OVER_AXES, { dy }, spread as unknown as tf.NamedAttrMap) as tf.Tensor };
  };
}

const ROUTES: [string, Routed][] = [
  [tf.Relu, reluGradient],
  [tf.Sum, reductionGradient(false)],
  [tf.Mean, reductionGradient(true)],
];

/** The stock configurations replaced, for uninstall. */
const stock = new Map<string, tf.GradConfig>();

/** Idempotent. */
export function installNativeGradients(): void {
  for (const [kernelName, routed] of ROUTES) {
    const original = tf.getGradient(kernelName);
    if (!original || stock.has(kernelName)) continue;
    stock.set(kernelName, original);
    tf.registerGradient({
      ...original,
      gradFunc: (dy, saved, attrs) => routed(dy as tf.Tensor, saved, attrs) ?? original.gradFunc(dy, saved, attrs),
    });
  }
}

export function uninstallNativeGradients(): void {
  for (const original of stock.values()) tf.registerGradient(original);
  stock.clear();
}
