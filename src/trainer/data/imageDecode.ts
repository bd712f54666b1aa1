/**
 * One image file's bytes to a size×size×3 RGB uint8 image (HWC), for the imagefolder reader.
 *
 * PNG is decoded by pngjs (palette, grey, 16-bit and interlaced PNGs come out as 8-bit RGBA), JPEG by jpeg-js
 * (baseline and progressive; grey and CMYK come out as RGB). The format is sniffed from the first bytes, not the
 * extension, so a JPEG named .png still reads. Colour follows torchvision's default loader (PIL `convert('RGB')`):
 * grey is copied to the three channels and alpha is dropped (not composited), so a transparent pixel keeps its colour.
 *
 * Resizing is separable, per axis: area averaging (each output pixel is the mean of the source area it covers,
 * partial pixels weighted by coverage, like PIL's BOX / OpenCV's INTER_AREA) when that axis shrinks, bilinear
 * (half-pixel centres, edges clamped: torch's align_corners=False) when it grows. Averaging is what torchvision's
 * antialiased bilinear Resize((s, s)) approaches when shrinking, without its aliasing.
 * Plain Node, no TensorFlow.js.
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';

/** Images whose header states more pixels than this are refused before decoding (a 100 MP RGBA decode is 400 MB). */
export const MAX_IMAGE_MEGAPIXELS = 100;

export interface RgbImage {
  width: number;
  height: number;
  /** width*height*3 bytes, HWC. */
  rgb: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** Width and height from a PNG's IHDR chunk, without decoding. */
function pngSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 24 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') throw new Error('PNG without an IHDR header (truncated?)');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Width and height from a JPEG's first SOF marker, without decoding; undefined when none is found. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) { i++; continue; }
    const m = b[i + 1];
    if (m === 0xff) { i++; continue; }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
    const len = (b[i + 2] << 8) | b[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    }
    if (m === 0xda) return undefined;
    i += 2 + len;
  }
  return undefined;
}

/** jpeg-js decodes what it has of a cut-off file (grey below the cut); refuse it as PIL does: no end marker after the last scan. */
function jpegComplete(b: Uint8Array): boolean {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const sos = buf.lastIndexOf(Buffer.from([0xff, 0xda]));
  return sos >= 0 && buf.indexOf(Buffer.from([0xff, 0xd9]), sos) >= 0;
}

function checkPixels(width: number, height: number): void {
  if (width <= 0 || height <= 0) throw new Error(`image header says ${width}×${height}`);
  const mp = (width * height) / 1e6;
  if (mp > MAX_IMAGE_MEGAPIXELS) {
    throw new Error(`${width}×${height} is ${mp.toFixed(0)} MP, more than the ${MAX_IMAGE_MEGAPIXELS} MP this reader decodes`);
  }
}

/** Decodes a PNG or JPEG to RGB; throws a short reason for anything else or anything broken. */
export function decodeRgb(bytes: Uint8Array): RgbImage {
  if (bytes.length === 0) throw new Error('empty file');
  if (isPng(bytes)) {
    const { width, height } = pngSize(bytes);
    checkPixels(width, height);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const n = png.width * png.height;
    const rgb = new Uint8Array(n * 3);
    const src = png.data;
    for (let p = 0, q = 0; p < n * 4; p += 4, q += 3) {
      rgb[q] = src[p];
      rgb[q + 1] = src[p + 1];
      rgb[q + 2] = src[p + 2];
    }
    return { width: png.width, height: png.height, rgb };
  }
  if (isJpeg(bytes)) {
    const size = jpegSize(bytes);
    if (!size) throw new Error('JPEG without a frame header (truncated?)');
    checkPixels(size.width, size.height);
    if (!jpegComplete(bytes)) throw new Error('truncated JPEG (no end-of-image marker after the last scan)');
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_IMAGE_MEGAPIXELS,
      // The decoder's own buffers for a 100 MP, 3-component image plus the 300 MB output.
      maxMemoryUsageInMB: 1024,
    });
    return { width: img.width, height: img.height, rgb: img.data };
  }
  const head = Array.from(bytes.subarray(0, 4), (v) => v.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`not a PNG or JPEG (starts with ${head})`);
}

/** For one axis: for each output index, the first source index and the weights of the source pixels from there. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  /** out × maxCount weights, each row summing to 1. */
  weights: Float32Array;
  maxCount: number;
}

function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (outSize < inSize) {
    // Area averaging: output i covers source [i*scale, (i+1)*scale).
    const maxCount = Math.ceil(scale) + 1;
    const weights = new Float32Array(outSize * maxCount);
    for (let i = 0; i < outSize; i++) {
      const a = i * scale;
      const b = Math.min(inSize, (i + 1) * scale);
      const s = Math.floor(a);
      const e = Math.min(inSize, Math.ceil(b));
      start[i] = s;
      count[i] = e - s;
      for (let k = s; k < e; k++) weights[i * maxCount + k - s] = (Math.min(b, k + 1) - Math.max(a, k)) / scale;
    }
    return { start, count, weights, maxCount };
  }
  // Bilinear with half-pixel centres (also the identity when the sizes are equal).
  const weights = new Float32Array(outSize * 2);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(0, (i + 0.5) * scale - 0.5);
    const s = Math.min(Math.floor(src), inSize - 1);
    const f = src - s;
    start[i] = s;
    if (s + 1 < inSize && f > 0) {
      count[i] = 2;
      weights[i * 2] = 1 - f;
      weights[i * 2 + 1] = f;
    } else {
      count[i] = 1;
      weights[i * 2] = 1;
    }
  }
  return { start, count, weights, maxCount: 2 };
}

/** Resizes an RGB HWC image to outW×outH (see the module comment for the filters); writes into `out` at `offset`. */
export function resizeRgb(img: RgbImage, outW: number, outH: number, out: Uint8Array = new Uint8Array(outW * outH * 3), offset = 0): Uint8Array {
  const { width: w, height: h, rgb } = img;
  const xw = axisWeights(w, outW);
  const yw = axisWeights(h, outH);
  // Horizontal pass: h rows × outW columns, float.
  const mid = new Float32Array(h * outW * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < outW; x++) {
      const s = xw.start[x];
      const n = xw.count[x];
      const wo = x * xw.maxCount;
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < n; k++) {
        const wt = xw.weights[wo + k];
        const p = row + (s + k) * 3;
        r += wt * rgb[p];
        g += wt * rgb[p + 1];
        b += wt * rgb[p + 2];
      }
      const q = (y * outW + x) * 3;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
    }
  }
  for (let y = 0; y < outH; y++) {
    const s = yw.start[y];
    const n = yw.count[y];
    const wo = y * yw.maxCount;
    for (let x = 0; x < outW; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < n; k++) {
        const wt = yw.weights[wo + k];
        const p = ((s + k) * outW + x) * 3;
        r += wt * mid[p];
        g += wt * mid[p + 1];
        b += wt * mid[p + 2];
      }
      const q = offset + (y * outW + x) * 3;
      out[q] = clampByte(r);
      out[q + 1] = clampByte(g);
      out[q + 2] = clampByte(b);
    }
  }
  return out;
}

function clampByte(v: number): number {
  // A hair above .5 so sums like 127.49999 from float32 weights still round as exact arithmetic would.
  const r = Math.round(v + 1e-4);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
