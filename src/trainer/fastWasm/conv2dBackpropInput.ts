/**
 * Conv2DBackpropInput for wasm built from stride-1 XNNPACK convolutions.
 *
 * Stock tfjs-backend-wasm 4.22 computes it with a scalar loop. Here dx is split by the residue of each
 * output coordinate modulo the stride: rows ih = s·u + r only receive filter taps kh ≡ (r + padTop)
 * (mod s), so for each residue pair (r_h, r_w) dx is a stride-1 correlation of dy with the matching
 * taps of the filter, flipped and with in/out channels swapped. That is s_h·s_w small convolutions
 * whose outputs are interleaved, and no multiplication by inserted zeros.
 *
 * With dx[s·u + r] = Σ_j dy[u + c − j] · W[p + s·j]   (p = (r + padTop) mod s, c = ⌊(r + padTop)/s⌋,
 * j < J = ⌈(K − p)/s⌉), a correlation with G[j'] = W[p + s·(J−1−j')] and padding J−1−c before gives it.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvBackpropAttrs, convInfo, sameShape, unsupportedConv } from './convInfo';
import { col2im, geometryOf, usePatchRoute, type ConvGeometry } from './im2col';
import { KernelArgs, Scratch, TensorInfo, asWasmBackend, input, view } from './wasmKernels';

interface InputAttrs extends ConvBackpropAttrs {
  inputShape: [number, number, number, number];
}

/** One residue along one spatial axis. */
export interface Residue {
  /** Filter taps p, p + s, … that reach this residue. */
  phase: number;
  taps: number;
  /** Padding of dy before/after for the stride-1 correlation; negative means crop dy instead. */
  before: number;
  after: number;
}

/**
 * Residues of one spatial axis: `size` input positions, `outSize` dy positions, filter `k`, stride
 * `s`, padding `pad` before. Every residue produces ⌈size/s⌉ outputs (a few past the end are cropped).
 */
export function residues(size: number, outSize: number, k: number, s: number, pad: number): Residue[] {
  const count = Math.ceil(size / s);
  return Array.from({ length: s }, (_, r) => {
    const phase = (r + pad) % s;
    const c = Math.floor((r + pad) / s);
    const taps = phase < k ? Math.ceil((k - phase) / s) : 0;
    const before = taps - 1 - c;
    return { phase, taps, before, after: count - outSize - before + taps - 1 };
  });
}

/** The taps of `w` [kh, kw, ci, co] for one residue pair, flipped, as a [th, tw, co, ci] filter. */
export function subFilter(
  w: Float32Array,
  [, kw, ci, co]: number[],
  [sh, sw]: [number, number],
  rh: Residue,
  rw: Residue,
): Float32Array {
  const th = rh.taps;
  const tw = rw.taps;
  const g = new Float32Array(th * tw * co * ci);
  for (let a = 0; a < th; a++) {
    const fy = rh.phase + sh * (th - 1 - a);
    for (let b = 0; b < tw; b++) {
      const fx = rw.phase + sw * (tw - 1 - b);
      const src = (fy * kw + fx) * ci * co;
      const dst = (a * tw + b) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) g[dst + o * ci + i] = w[src + i * co + o];
    }
  }
  return g;
}

export function makeConv2DBackpropInput(stock: tf.KernelFunc | undefined): tf.KernelFunc {
  return (args: KernelArgs) => {
    const dy = input(args, 'dy');
    const filter = input(args, 'filter');
    const attrs = args.attrs as unknown as InputAttrs;
    const unsupported = unsupportedConv(attrs, [dy.dtype, filter.dtype]);
    if (unsupported) {
      if (stock) return stock(args); // the stock kernel handles NCHW (slowly)
      throw new Error(`Conv2DBackpropInput on wasm does not support ${unsupported}`);
    }
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
    const { strideHeight: sh, strideWidth: sw } = info;
    if (!sameShape(dy.shape, [n, oh, ow, co])) {
      throw new Error(`Conv2DBackpropInput: dy has shape [${dy.shape}] but the convolution gives [${[n, oh, ow, co]}]`);
    }
    const geometry = geometryOf(info);
    if (usePatchRoute(geometry)) {
      const scratch = new Scratch(asWasmBackend(args.backend));
      try {
        return inputByCol2im(scratch, dy, filter, geometry);
      } finally {
        scratch.dispose();
      }
    }
    const rows = residues(h, oh, info.filterHeight, sh, info.padInfo.top);
    const cols = residues(w, ow, info.filterWidth, sw, info.padInfo.left);
    const u = Math.ceil(h / sh);
    const v = Math.ceil(w / sw);

    const s = new Scratch(asWasmBackend(args.backend));
    try {
      // Filters are small; reorganising them in JS is simpler than a chain of kernels.
      const weights = s.backend.readSync(filter.dataId);
      const crops = new Map<string, TensorInfo>();
      const cropped = (top: number, bottom: number, left: number, right: number): TensorInfo => {
        const key = `${top},${bottom},${left},${right}`;
        let t = crops.get(key);
        if (!t) {
          t = dy;
          const r = oh - top - bottom;
          if (top > 0 || bottom > 0) t = view(s.columns(t, n, oh * ow * co, top * ow * co, r * ow * co), [n, r, ow, co]);
          if (left > 0 || right > 0) {
            t = view(s.columns(t, n * r, ow * co, left * co, (ow - left - right) * co), [n, r, ow - left - right, co]);
          }
          crops.set(key, t);
        }
        return t;
      };

      // parts[rh][rw]: the [n, u, v, ci] values of dx at rows ≡ rh, columns ≡ rw; null when no
      // filter tap or no dy value reaches them (they are zero).
      const parts: (TensorInfo | null)[][] = rows.map((rh) =>
        cols.map((rw) => {
          if (rh.taps === 0 || rw.taps === 0) return null;
          const [top, bottom, left, right] = [-rh.before, -rh.after, -rw.before, -rw.after].map((p) => Math.max(p, 0));
          if (oh - top - bottom <= 0 || ow - left - right <= 0) return null;
          const g = s.fromValues([rh.taps, rw.taps, co, ci], subFilter(weights, filter.shape, [sh, sw], rh, rw));
          const out = s.run(
            tf.Conv2D,
            { x: cropped(top, bottom, left, right), filter: g },
            {
              strides: [1, 1],
              dilations: [1, 1],
              pad: [[0, 0], [Math.max(rh.before, 0), Math.max(rh.after, 0)], [Math.max(rw.before, 0), Math.max(rw.after, 0)], [0, 0]],
              dataFormat: 'NHWC',
            },
          );
          if (!sameShape(out.shape, [n, u, v, ci])) {
            throw new Error(`Conv2DBackpropInput: internal convolution gave [${out.shape}], expected [${[n, u, v, ci]}]`);
          }
          s.free(g);
          return out;
        }),
      );

      if (sh === 1 && sw === 1 && parts[0][0]) return s.release(parts[0][0]);
      const dx = s.track(s.backend.makeOutput([n, h, w, ci], 'float32'));
      interleave(s, dx, parts, [n, h, w, ci], [sh, sw], [u, v]);
      return s.release(dx);
    } finally {
      s.dispose();
    }
  };
}

/** Writes parts[rh][rw][b, i, j, :] to dx[b, i·sh + rh, j·sw + rw, :], dropping positions past the edge. */
function interleave(
  s: Scratch,
  dx: TensorInfo,
  parts: (TensorInfo | null)[][],
  [n, h, w, c]: number[],
  [sh, sw]: [number, number],
  [u, v]: [number, number],
): void {
  // Heap views are taken here, after every allocation of this kernel.
  const out = s.backend.typedArrayFromHeap(dx);
  if (parts.some((row) => row.some((p) => p == null))) out.fill(0);
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const part = parts[rh][rw];
      if (!part) continue;
      const src = s.backend.typedArrayFromHeap(part);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < u; i++) {
          const y = i * sh + rh;
          if (y >= h) break;
          for (let j = 0; j < v; j++) {
            const x = j * sw + rw;
            if (x >= w) break;
            const from = ((b * u + i) * v + j) * c;
            const to = ((b * h + y) * w + x) * c;
            if (c >= 16) out.set(src.subarray(from, from + c), to);
            else for (let k = 0; k < c; k++) out[to + k] = src[from + k];
          }
        }
      }
    }
  }
}

/** dx = col2im(dy[M, Co] · Wᵀ[Co, K]): see im2col.ts. */
function inputByCol2im(s: Scratch, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const k = g.kh * g.kw * g.ci;
  const m = g.n * g.oh * g.ow;
  const wt = s.transpose(view(filter, [k, g.co]), [1, 0]);
  const patches = s.run(tf.BatchMatMul, { a: view(dy, [1, m, g.co]), b: view(wt, [1, g.co, k]) }, { transposeA: false, transposeB: false });
  s.free(wt);
  const dx = s.track(s.backend.makeOutput([g.n, g.h, g.w, g.ci], 'float32'));
  // Heap views after the last allocation: growing the heap detaches older views.
  col2im(s.backend.typedArrayFromHeap(patches), g, s.backend.typedArrayFromHeap(dx));
  return s.release(dx);
}
