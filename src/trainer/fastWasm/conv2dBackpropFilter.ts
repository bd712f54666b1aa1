/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 does not register (so conv nets cannot
 * train there at all).
 *
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[n, oh, ow, co]
 * is itself a stride-1 convolution computed by the stock XNNPACK Conv2D kernel: the input is x laid
 * out as [Ci, H, W, N] (a "batch" of Ci images with N channels), the filter is dy laid out as
 * [OH, OW, N, Co], dilated by the forward stride, and the output [Ci, KH, KW, Co] is transposed back.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvBackpropAttrs, convInfo, sameShape, unsupportedConv } from './convInfo';
import { geometryOf, usePatchRoute, im2colTransposed, type ConvGeometry } from './im2col';
import { KernelArgs, Scratch, TensorInfo, asWasmBackend, input, view } from './wasmKernels';

interface FilterAttrs extends ConvBackpropAttrs {
  filterShape: [number, number, number, number];
}

export function makeConv2DBackpropFilter(): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    const dy = input(args, 'dy');
    const attrs = args.attrs as unknown as FilterAttrs;
    // There is no stock kernel to fall back to, so anything outside the rewrite fails loudly.
    const unsupported = unsupportedConv(attrs, [x.dtype, dy.dtype]);
    if (unsupported) throw new Error(`Conv2DBackpropFilter on wasm does not support ${unsupported}`);
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    if (!sameShape(dy.shape, [n, oh, ow, co])) {
      throw new Error(`Conv2DBackpropFilter: dy has shape [${dy.shape}] but the convolution gives [${[n, oh, ow, co]}]`);
    }
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Padding after the image that the forward convolution reads; negative when the last rows or
    // columns of x are never read (e.g. 'valid' with a stride that does not divide), and XNNPACK
    // takes no negative padding, so those are cropped off instead.
    const bottom = kh + sh * (oh - 1) - h - top;
    const right = kw + sw * (ow - 1) - w - left;

    const s = new Scratch(asWasmBackend(args.backend));
    const g = geometryOf(info);
    if (usePatchRoute(g)) {
      try {
        return filterByIm2col(s, x, dy, g);
      } finally {
        s.dispose();
      }
    }
    try {
      let xt = s.transpose(x, [3, 1, 2, 0]); // [ci, h, w, n]
      let rows = h;
      let cols = w;
      if (bottom < 0) {
        rows = h + bottom;
        xt = view(s.columns(xt, ci, h * w * n, 0, rows * w * n), [ci, rows, w, n]);
      }
      if (right < 0) {
        cols = w + right;
        xt = view(s.columns(xt, ci * rows, w * n, 0, cols * n), [ci, rows, cols, n]);
      }
      const dyt = s.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
      const conv = s.run(
        tf.Conv2D,
        { x: xt, filter: dyt },
        {
          strides: [1, 1],
          dilations: [sh, sw],
          pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
          dataFormat: 'NHWC',
        },
      );
      if (!sameShape(conv.shape, [ci, kh, kw, co])) {
        throw new Error(`Conv2DBackpropFilter: internal convolution gave [${conv.shape}], expected [${[ci, kh, kw, co]}]`);
      }
      // Free the big temporaries before the last transpose allocates.
      s.free(dyt);
      s.free(xt);
      return s.release(s.transpose(conv, [1, 2, 0, 3]));
    } finally {
      s.dispose();
    }
  };
}

/** dW[K, Co] = colsᵀ[K, M] · dy[M, Co]: see im2col.ts. */
function filterByIm2col(s: Scratch, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const k = g.kh * g.kw * g.ci;
  const m = g.n * g.oh * g.ow;
  const cols = s.track(s.backend.makeOutput([1, k, m], 'float32'));
  // Heap views after the allocation: growing the heap detaches older views.
  im2colTransposed(s.backend.typedArrayFromHeap(x), g, s.backend.typedArrayFromHeap(cols));
  const dw = s.run(tf.BatchMatMul, { a: cols, b: view(dy, [1, m, g.co]) }, { transposeA: false, transposeB: false });
  return s.release(view(dw, [g.kh, g.kw, g.ci, g.co]));
}
