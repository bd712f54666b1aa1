/** Attribute parsing shared by the two conv backprop kernels, with the limits of the rewrites. */
import * as tf from '@tensorflow/tfjs';

export interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Not passed by tfjs 4.22 (conv2d's gradient requires dilation 1) but checked in case a caller does. */
  dilations?: number | [number, number];
}

/** Why the rewrite cannot handle these attributes, or null when it can. */
export function unsupportedConv(attrs: ConvBackpropAttrs, dtypes: string[]): string | null {
  if (attrs.dataFormat === 'NCHW') return "dataFormat 'NCHW' (only NHWC is rewritten)";
  const d = attrs.dilations;
  if (d != null && (Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1)) return `dilations ${String(d)} (only 1 is rewritten)`;
  if (dtypes.some((t) => t !== 'float32')) return `dtype ${dtypes.join('/')} (only float32 is rewritten)`;
  return null;
}

export function convInfo(
  inShape: number[],
  filterShape: number[],
  attrs: ConvBackpropAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

export function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
