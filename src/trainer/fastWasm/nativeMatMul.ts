/**
 * BatchMatMul and _FusedMatMul for wasm computed by the native GEMM (src/trainer/native), straight on
 * the wasm heap: transposed operands are read in place by the GEMM's packing, so no Transpose runs.
 * Anything the native path does not cover (other dtypes, odd batch broadcasts, activations other than
 * linear/relu, biases not along the last axis) goes to the wasm kernel it wraps.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { planMatMul, type MatMulPlan } from './matmul';
import { KernelArgs, TensorInfo, WasmBackend, asWasmBackend, input } from './wasmKernels';

type MatMulShape = Pick<Exclude<MatMulPlan, { kind: 'stock' }>, 'm' | 'k' | 'n' | 'batchA' | 'batchB' | 'outShape'>;

/**
 * The product's shape when the native GEMM can compute it, else null: float32 operands whose shapes the wasm
 * rewrites' planner accepts (mismatches and odd batch broadcasts stay with the wrapped kernel, so the user sees
 * its usual error message).
 */
export function nativeMatMulShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShape | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  return plan.kind === 'stock' ? null : plan;
}

function product(native: NativeKernels, backend: WasmBackend, a: TensorInfo, b: TensorInfo, s: MatMulShape, tA: boolean, tB: boolean): TensorInfo {
  const out = backend.makeOutput(s.outShape, 'float32');
  // Heap views after the allocation: growing the heap detaches older views.
  const A = backend.typedArrayFromHeap(a);
  const B = backend.typedArrayFromHeap(b);
  const C = backend.typedArrayFromHeap(out);
  const { m, k, n, batchA, batchB } = s;
  if (batchB === 1 && !tA) {
    // A batch of untransposed rows times one matrix is a single taller product.
    native.gemm(A, B, C, batchA * m, n, k, 0, tB ? 1 : 0, 0, 1, 0, 0, 0);
  } else {
    const batch = Math.max(batchA, batchB);
    native.gemm(A, B, C, m, n, k, tA ? 1 : 0, tB ? 1 : 0, 0, batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, m * n);
  }
  return out;
}

export function makeNativeBatchMatMul(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const shape = nativeMatMulShape(a, b, transposeA, transposeB);
    if (!shape) return fallback(args);
    return product(native, asWasmBackend(args.backend), a, b, shape, transposeA, transposeB);
  };
}

/** Adds a per-column bias and applies relu, in place: the epilogue of a fused layer. */
export function biasAndActivation(c: Float32Array, n: number, bias: Float32Array | null, relu: boolean): void {
  const rows = c.length / n;
  for (let r = 0, base = 0; r < rows; r++, base += n) {
    if (bias && relu) {
      for (let j = 0; j < n; j++) {
        const v = c[base + j] + bias[j];
        c[base + j] = v > 0 ? v : 0;
      }
    } else if (bias) {
      for (let j = 0; j < n; j++) c[base + j] += bias[j];
    } else if (relu) {
      for (let j = 0; j < n; j++) if (!(c[base + j] > 0)) c[base + j] = 0;
    }
  }
}

/** A bias the epilogue handles: one value per output column (shape [n], [1, n], …). */
export function isColumnBias(bias: TensorInfo | undefined, n: number): boolean {
  if (!bias) return true;
  return bias.dtype === 'float32' && bias.shape.length >= 1 && bias.shape[bias.shape.length - 1] === n && tf.util.sizeFromShape(bias.shape) === n;
}

export function makeNativeFusedMatMul(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const bias = args.inputs.bias;
    const { transposeA, transposeB, activation } = args.attrs as unknown as {
      transposeA: boolean;
      transposeB: boolean;
      activation?: string;
    };
    const act = activation ?? 'linear';
    const shape = nativeMatMulShape(a, b, transposeA, transposeB);
    if (!shape || (act !== 'linear' && act !== 'relu') || !isColumnBias(bias, shape.n) || args.inputs.preluActivationWeights) {
      return fallback(args);
    }
    const backend = asWasmBackend(args.backend);
    const out = product(native, backend, a, b, shape, transposeA, transposeB);
    if (bias || act === 'relu') {
      biasAndActivation(backend.typedArrayFromHeap(out), shape.n, bias ? backend.typedArrayFromHeap(bias) : null, act === 'relu');
    }
    return out;
  };
}
