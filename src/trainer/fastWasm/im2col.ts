/**
 * Convolution gradients as one XNNPACK matrix product each, with the patch bookkeeping done in JavaScript:
 *   dW[K, Co] = colsᵀ[K, M] · dy[M, Co]        (im2col of x, written already transposed)
 *   dx        = col2im(dy[M, Co] · Wᵀ[Co, K])   (scatter-add of each patch's gradient)
 * with M = N·OH·OW output positions and K = KH·KW·Ci filter taps, ordered as the filter's [KH, KW, Ci].
 * The other routes (a convolution over a transposed x for dW, stride² convolutions plus an interleave for dx)
 * pay for several full-size transposes and per-residue convolutions with few input channels, where XNNPACK is
 * least efficient; these pay for one pass of JavaScript over the patch matrix instead. Measured on the CNN's
 * layers (batch 256): with one input channel the patch route takes half the time (dW 16 vs 32 ms, dx 13 vs 29 ms),
 * but from 32 channels on the strided gather costs more than it saves (dW 98 vs 67 ms, dx 81 vs 52 ms). So it is
 * used for inputs of up to `PATCH_MAX_CHANNELS` channels (image layers) whose patch matrix fits: `usePatchRoute`.
 */
import type * as tf from '@tensorflow/tfjs';

/** The geometry of a 2-D NHWC convolution, as tf.backend_util.computeConv2DInfo gives it. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  co: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** Largest patch matrix (floats) built here: 32 M floats = 128 MiB of wasm heap. */
export const MAX_PATCH_FLOATS = 32 * 2 ** 20;

/** Input channels up to which the patch route is faster (see above). */
export const PATCH_MAX_CHANNELS = 4;

/** The limits in force; tests change them to exercise either route on any shape. */
export const patchLimit = { floats: MAX_PATCH_FLOATS, channels: PATCH_MAX_CHANNELS };

export function usePatchRoute(g: ConvGeometry): boolean {
  return g.ci <= patchLimit.channels && g.kh * g.kw * g.ci * g.n * g.oh * g.ow <= patchLimit.floats;
}

export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    co: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * colsᵀ[k, m] = x[n, oh·sh + a − top, ow·sw + b − left, c] for k = (a·KW + b)·Ci + c and m = (n·OH + oh)·OW + ow;
 * taps that fall in the padding are 0. `out` has K·M floats. Rows are written contiguously (m innermost).
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, out: Float32Array): void {
  const m = g.n * g.oh * g.ow;
  for (let a = 0; a < g.kh; a++) {
    for (let b = 0; b < g.kw; b++) {
      for (let c = 0; c < g.ci; c++) {
        let o = ((a * g.kw + b) * g.ci + c) * m;
        for (let n = 0; n < g.n; n++) {
          for (let y = 0; y < g.oh; y++) {
            const ih = y * g.sh + a - g.top;
            if (ih < 0 || ih >= g.h) {
              out.fill(0, o, o + g.ow);
              o += g.ow;
              continue;
            }
            const row = (n * g.h + ih) * g.w;
            for (let xo = 0; xo < g.ow; xo++) {
              const iw = xo * g.sw + b - g.left;
              out[o++] = iw >= 0 && iw < g.w ? x[(row + iw) * g.ci + c] : 0;
            }
          }
        }
      }
    }
  }
}

/** dx[n, ih, iw, c] = Σ over the patches that read it of cols[m, (a·KW + b)·Ci + c]; `dx` is overwritten. */
export function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void {
  dx.fill(0);
  const k = g.kh * g.kw * g.ci;
  let m = 0;
  for (let n = 0; n < g.n; n++) {
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++, m++) {
        for (let a = 0; a < g.kh; a++) {
          const ih = y * g.sh + a - g.top;
          if (ih < 0 || ih >= g.h) continue;
          for (let b = 0; b < g.kw; b++) {
            const iw = xo * g.sw + b - g.left;
            if (iw < 0 || iw >= g.w) continue;
            const src = m * k + (a * g.kw + b) * g.ci;
            const dst = ((n * g.h + ih) * g.w + iw) * g.ci;
            for (let c = 0; c < g.ci; c++) dx[dst + c] += cols[src + c];
          }
        }
      }
    }
  }
}
