/**
 * BatchMatMul and _FusedMatMul for wasm that always reach XNNPACK.
 *
 * Stock tfjs-backend-wasm 4.22 (batch_mat_mul_impl.cc) uses XNNPACK's fully-connected operator only
 * when neither operand is transposed and both batches are 1; every other call (all backward matmuls,
 * z·zᵀ) runs a scalar triple loop that is 10–50× slower. These kernels transpose operands with the
 * wasm Transpose kernel and fold or split batches so that each multiplication is an untransposed,
 * batch-1 call of the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, Scratch, TensorInfo, asWasmBackend, input, view } from './wasmKernels';

/**
 * When both operands carry the same batch, each entry costs a slice of each operand, an XNNPACK
 * operator (weights packing) and a copy of the result: 25–100 µs measured here. Below this many
 * multiply-adds per entry that exceeds what the stock scalar loop costs (64 entries of 16³: stock
 * 0.7 ms, split 6 ms; of 32³: stock 1.6 ms, split 0.8 ms), so the stock kernel is kept.
 */
export const MIN_MACS_PER_BATCH_ENTRY = 32 * 32 * 32;

export type MatMulPlan =
  | { kind: 'stock'; why: string }
  | {
      /** fold: b has batch 1, a's batch folds into its rows. spread: a has batch 1, b's batch goes into
       * its columns. perEntry: equal batches, one call per entry. small: equal batches too small to
       * be worth splitting (stock product). */
      kind: 'fold' | 'spread' | 'perEntry' | 'small';
      m: number;
      k: number;
      n: number;
      batchA: number;
      batchB: number;
      /** The stock kernels' output shape: broadcast batch dims, then [m, n]. */
      outShape: number[];
      /** fold only: compute Cᵀ = op(B)ᵀ·op(A)ᵀ and transpose the result (see foldCosts). */
      swap: boolean;
    };

/**
 * Elements copied to bring a folded product (rows = batchA·m) to the untransposed form XNNPACK takes:
 * `direct` computes op(A)·op(B); `swapped` computes op(B)ᵀ·op(A)ᵀ, where a transposed operand is
 * already stored the right way round, then transposes the [n, rows] result. The right-hand operand
 * is always repacked by XNNPACK (counted once). For A·Bᵀ with a short A, as in z·zᵀ or a layer's
 * dx = dy·Wᵀ, swapping copies far less.
 */
export function foldCosts(m: number, k: number, n: number, batchA: number, transposeA: boolean, transposeB: boolean) {
  const rows = batchA * m;
  const direct = (transposeA ? rows * k : 0) + (transposeB ? k * n : 0) + k * n;
  // a stored [batchA, k, m] gives op(A)ᵀ = [k, rows] without a copy only when batchA is 1.
  const swapped = (transposeB ? 0 : n * k) + (transposeA && batchA === 1 ? 0 : rows * k) + rows * k + rows * n;
  return { direct, swapped };
}

/** Decides how a product is computed from the operand shapes alone (pure, so it can be tested). */
export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan {
  if (aShape.length < 2 || bShape.length < 2) return { kind: 'stock', why: 'rank < 2' };
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const ka = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  // Mismatches are left to the stock kernel so that the user sees its usual error message.
  if (ka !== kb) return { kind: 'stock', why: 'inner dimensions differ' };
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  } catch {
    return { kind: 'stock', why: 'batch dimensions do not broadcast' };
  }
  const batchA = tf.util.sizeFromShape(aShape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(bShape.slice(0, -2));
  if (m * ka * n * batchA * batchB === 0) return { kind: 'stock', why: 'empty operand' };
  const base = { m, k: ka, n, batchA, batchB, outShape: [...outer, m, n], swap: false };
  if (batchB === 1) {
    const cost = foldCosts(m, ka, n, batchA, transposeA, transposeB);
    // Untransposed operands are exactly the stock XNNPACK call, which caches b's packed weights.
    const swap = (transposeA || transposeB) && cost.swapped < cost.direct;
    return { kind: 'fold', ...base, swap };
  }
  if (batchA === 1) return { kind: 'spread', ...base };
  // Batches like [2,1] x [1,3] broadcast to 6 entries that neither operand holds; the stock kernel
  // does not support them either, so its behaviour is kept.
  if (batchA !== batchB) return { kind: 'stock', why: 'batch broadcast other than 1 vs B' };
  return { kind: m * ka * n >= MIN_MACS_PER_BATCH_ENTRY ? 'perEntry' : 'small', ...base };
}

type Plan = Exclude<MatMulPlan, { kind: 'stock' }>;

/** Operand `a` as [batchA, m, k] (transposed into a temporary when needed). */
function untransposedA(s: Scratch, a: TensorInfo, p: Plan, transposeA: boolean): TensorInfo {
  return transposeA ? s.transpose(view(a, [p.batchA, p.k, p.m]), [0, 2, 1]) : view(a, [p.batchA, p.m, p.k]);
}

function untransposedB(s: Scratch, b: TensorInfo, p: Plan, transposeB: boolean): TensorInfo {
  return transposeB ? s.transpose(view(b, [p.batchB, p.n, p.k]), [0, 2, 1]) : view(b, [p.batchB, p.k, p.n]);
}

const PLAIN = { transposeA: false, transposeB: false };

/**
 * The product as a tracked [batch, m, n] tensor, computed with untransposed batch-1 calls of the
 * stock BatchMatMul (which take XNNPACK), except for `small` plans, left to the stock loop.
 */
function product(s: Scratch, stock: tf.KernelFunc, a: TensorInfo, b: TensorInfo, p: Plan, tA: boolean, tB: boolean): TensorInfo {
  const { m, k, n } = p;
  const call = (x: TensorInfo, y: TensorInfo) =>
    s.track(stock({ inputs: { a: x, b: y }, backend: s.backend, attrs: PLAIN }) as TensorInfo);
  switch (p.kind) {
    case 'fold': {
      const rows = p.batchA * m;
      if (p.swap) {
        const Bt = tB ? view(b, [n, k]) : s.transpose(view(b, [k, n]), [1, 0]);
        const At =
          tA && p.batchA === 1
            ? view(a, [k, m])
            : tA
              ? s.transpose(view(a, [p.batchA, k, m]), [1, 0, 2])
              : s.transpose(view(a, [rows, k]), [1, 0]);
        const ct = call(view(Bt, [1, n, k]), view(At, [1, k, rows]));
        s.free(Bt);
        s.free(At);
        const out = s.transpose(view(ct, [n, rows]), [1, 0]);
        s.free(ct);
        return view(out, [p.batchA, m, n]);
      }
      const A = untransposedA(s, a, p, tA);
      const B = untransposedB(s, b, p, tB);
      return view(call(view(A, [1, p.batchA * m, k]), view(B, [1, k, n])), [p.batchA, m, n]);
    }
    case 'spread': {
      const A = untransposedA(s, a, p, tA);
      // b's entries side by side: [k, batchB, n] seen as one k x (batchB*n) matrix, in one transpose.
      const B = tB
        ? s.transpose(view(b, [p.batchB, n, k]), [2, 0, 1])
        : s.transpose(view(b, [p.batchB, k, n]), [1, 0, 2]);
      const wide = call(view(A, [1, m, k]), view(B, [1, k, p.batchB * n]));
      s.free(B);
      const out = s.transpose(view(wide, [m, p.batchB, n]), [1, 0, 2]);
      s.free(wide);
      return out;
    }
    case 'perEntry': {
      const batch = p.batchA;
      const A = untransposedA(s, a, p, tA);
      const B = untransposedB(s, b, p, tB);
      const out = s.track(s.backend.makeOutput([batch, m, n], 'float32'));
      for (let i = 0; i < batch; i++) {
        const ai = s.columns(A, 1, batch * m * k, i * m * k, m * k);
        const bi = s.columns(B, 1, batch * k * n, i * k * n, k * n);
        const pi = call(view(ai, [1, m, k]), view(bi, [1, k, n]));
        s.backend.typedArrayFromHeap(out).set(s.backend.typedArrayFromHeap(pi), i * m * n);
        s.free(ai);
        s.free(bi);
        s.free(pi);
      }
      return out;
    }
    case 'small': {
      // The stock scalar loop reads transposed operands in place, so nothing is copied here.
      const out = s.track(stock({ inputs: { a, b }, backend: s.backend, attrs: { transposeA: tA, transposeB: tB } }) as TensorInfo);
      return view(out, [p.batchA, m, n]);
    }
  }
}

/** BatchMatMul kernel factory; `stock` is the original wasm kernel, used for every XNNPACK call. */
export function makeBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const { transposeA, transposeB } = (args.attrs ?? {}) as { transposeA: boolean; transposeB: boolean };
    const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
    if (p.kind === 'stock' || p.kind === 'small' || a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    const s = new Scratch(asWasmBackend(args.backend));
    try {
      return s.release(view(product(s, stock, a, b, p, transposeA, transposeB), p.outShape));
    } finally {
      s.dispose();
    }
  };
}

/** True when `part` (after dropping leading 1s) equals the trailing dimensions of `full`. */
export function isTrailingBlock(part: number[], full: number[]): boolean {
  let start = 0;
  while (start < part.length && part[start] === 1) start++;
  const tail = part.slice(start);
  if (tail.length > full.length) return false;
  const fullTail = full.slice(full.length - tail.length);
  return tail.every((d, i) => d === fullTail[i]);
}

interface FusedAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation: string;
  leakyreluAlpha?: number;
}

/**
 * _FusedMatMul kernel factory. When b has batch 1 and the bias is one value per output column, the
 * stock fused kernel is called on untransposed operands so bias and activation stay fused in
 * XNNPACK. Otherwise the product is computed as above and bias and activation are applied with the
 * wasm Add and activation kernels (stock's own scalar path indexes a [n] bias wrongly for m > 1).
 */
export function makeFusedMatMul(stockFused: tf.KernelFunc, stockBatchMatMul: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = input(args, 'a');
    const b = input(args, 'b');
    const { bias, preluActivationWeights: prelu } = args.inputs;
    const attrs = (args.attrs ?? {}) as unknown as FusedAttrs;
    const { transposeA, transposeB, activation } = attrs;
    const p = planMatMul(a.shape, b.shape, transposeA, transposeB);
    if (p.kind === 'stock' || a.dtype !== 'float32' || b.dtype !== 'float32') return stockFused(args);
    // XNNPACK's prelu treats its weights as one block repeated over the output, as does the Prelu kernel.
    if (prelu != null && !isTrailingBlock(prelu.shape, p.outShape)) {
      throw new Error(
        `fast-wasm _FusedMatMul: prelu weights of shape [${prelu.shape}] must match the trailing dimensions of the output [${p.outShape}]`,
      );
    }
    const s = new Scratch(asWasmBackend(args.backend));
    try {
      const biasPerColumn =
        bias == null || (tf.util.sizeFromShape(bias.shape) === p.n && bias.shape[bias.shape.length - 1] === p.n);
      // The swapped form would put the bias along rows, where XNNPACK cannot add it.
      if (p.kind === 'fold' && biasPerColumn) {
        const A = untransposedA(s, a, p, transposeA);
        const B = untransposedB(s, b, p, transposeB);
        const inputs: tf.NamedTensorInfoMap = { a: view(A, [1, p.batchA * p.m, p.k]), b: view(B, [1, p.k, p.n]) };
        // The stock kernel checks the rank recorded with the buffer, not the TensorInfo's, so a
        // [1, n] bias needs a real rank-1 copy (n values).
        if (bias != null) inputs.bias = bias.shape.length === 1 ? bias : s.fromValues([p.n], s.backend.readSync(bias.dataId));
        if (prelu != null) inputs.preluActivationWeights = prelu;
        const fusedAttrs = { ...attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
        const out = s.track(stockFused({ inputs, backend: s.backend, attrs: fusedAttrs }) as TensorInfo);
        return s.release(view(out, p.outShape));
      }
      let y = product(s, stockBatchMatMul, a, b, p, transposeA, transposeB);
      if (bias != null) y = s.run(tf.Add, { a: y, b: bias });
      y = applyActivation(s, y, activation, prelu, attrs.leakyreluAlpha);
      return s.release(view(y, p.outShape));
    } finally {
      s.dispose();
    }
  };
}

function applyActivation(s: Scratch, x: TensorInfo, activation: string, prelu: TensorInfo | undefined, alpha = 0.2): TensorInfo {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return s.run(tf.Relu, { x });
    case 'relu6':
      return s.run(tf.Relu6, { x });
    case 'elu':
      return s.run(tf.Elu, { x });
    case 'sigmoid':
      return s.run(tf.Sigmoid, { x });
    case 'leakyrelu':
      return s.run(tf.LeakyRelu, { x }, { alpha });
    case 'prelu':
      if (prelu == null) throw new Error('fast-wasm _FusedMatMul: prelu activation without weights');
      return s.run(tf.Prelu, { x, alpha: prelu });
    default:
      throw new Error(`fast-wasm _FusedMatMul: activation '${activation}' is not supported`);
  }
}
