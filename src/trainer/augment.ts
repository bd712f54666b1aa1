/**
 * SimCLR view augmentations as batched tensor ops.
 *
 * Every per-image random choice (crop box, flip, jitter factors, grayscale, affine) is drawn on the host from a
 * seeded PRNG and turned into a small tensor of per-image parameters, so one `cropAndResize` (crop + flip), one
 * `transform` (affine) and a few batched matmuls (colour) cover the whole batch. The additive noise is drawn on
 * the host too (perImageNoise, a stream per image seeded from the same PRNG; the native kernels, when loaded,
 * draw the identical numbers, the images in parallel). Consequently the same seed gives identical views on a
 * given backend, and the parameters and the noise themselves are identical on every backend.
 *
 * The recipe follows SimCLR's CIFAR setting (random resized crop, flip, ColorJitter(0.4, 0.4, 0.4, 0.1) with
 * p = 0.8, grayscale p = 0.2) and, for grayscale digits, a milder crop plus a small affine and gaussian noise.
 * Kernels used (CropAndResize, Transform, BatchMatMul, Multiply, Add, ClipByValue, Fill, Reshape, and SplitV +
 * Concat for the cpu Transform work-around) exist on both the cpu and the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { loadedNativeKernels } from './native/loadNative';
import { imageNoiseSeeds, mulberry32, perImageNoise } from './random';
import { readsSynchronously } from './syncReads';

export interface AffineOptions {
  /** Rotation drawn uniformly in ±maxRotationDeg degrees. */
  maxRotationDeg: number;
  /** Translation drawn uniformly in ±maxTranslate × image size, per axis. */
  maxTranslate: number;
}

export interface AugmentOptions {
  /** Images have 3 colour channels (enables saturation, hue and random grayscale). */
  rgb: boolean;
  /** Mirror left-right with p = 0.5. Off for digits, where mirroring changes the class. */
  flip: boolean;
  /** Area fraction range of the random resized crop; [1, 1] disables the crop. */
  cropScale: [number, number];
  /** Aspect ratio (w/h) range of the crop box. */
  cropRatio: [number, number];
  /** Brightness, contrast and saturation factors are drawn in [1 − s, 1 + s]; hue shift in ±s/4 turns. 0 = off. */
  colorJitter: number;
  /** Probability that an image gets colour jitter at all. */
  colorJitterProb: number;
  /** Probability that an RGB image is turned to grayscale (replicated over the 3 channels). */
  grayscaleProb: number;
  /** Standard deviation of additive gaussian noise (0 = off). */
  noiseStd: number;
  /** Small rotation/translation after the crop; undefined = off. */
  affine?: AffineOptions;
}

/** SimCLR CIFAR defaults for colour images, a gentler recipe with affine and noise for grayscale. */
export function defaultAugmentOptions(channels: 1 | 3, isDigits: boolean): AugmentOptions {
  if (channels === 3) {
    return {
      rgb: true,
      flip: !isDigits,
      cropScale: [0.2, 1],
      cropRatio: [3 / 4, 4 / 3],
      colorJitter: 0.4,
      colorJitterProb: 0.8,
      grayscaleProb: 0.2,
      noiseStd: 0,
    };
  }
  return {
    rgb: false,
    flip: !isDigits,
    // A 0.2 crop of a 28×28 digit often cuts off the strokes that identify it.
    cropScale: [0.5, 1],
    cropRatio: [3 / 4, 4 / 3],
    colorJitter: 0,
    colorJitterProb: 0.8,
    grayscaleProb: 0,
    noiseStd: 0.05,
    affine: { maxRotationDeg: 10, maxTranslate: 0.1 },
  };
}

type Rng = () => number;
const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

/**
 * One random-resized-crop box per image in cropAndResize's normalised [y1, x1, y2, x2] coordinates, with the
 * x coordinates swapped for the images to mirror (cropAndResize then samples right-to-left, so crop and flip
 * cost a single op). Same sampling as torchvision's RandomResizedCrop: up to 10 tries of (area, log-ratio)
 * that fit, else the central box with the ratio clamped into range.
 */
export function cropBoxes(n: number, opts: AugmentOptions, rng: Rng): Float32Array {
  const boxes = new Float32Array(n * 4);
  const [sLo, sHi] = opts.cropScale;
  const [rLo, rHi] = opts.cropRatio;
  for (let i = 0; i < n; i++) {
    let h = 1;
    let w = 1;
    if (sLo < 1) {
      let found = false;
      for (let attempt = 0; attempt < 10 && !found; attempt++) {
        const area = uniform(rng, sLo, Math.min(sHi, 1));
        const ratio = Math.exp(uniform(rng, Math.log(rLo), Math.log(rHi)));
        const cw = Math.sqrt(area * ratio);
        const ch = Math.sqrt(area / ratio);
        if (cw <= 1 && ch <= 1) {
          [w, h, found] = [cw, ch, true];
        }
      }
      if (!found) {
        // Fallback for extreme ratio ranges: the whole image cut to the nearest allowed aspect ratio.
        const ratio = Math.min(Math.max(1, rLo), rHi);
        [w, h] = ratio > 1 ? [1, 1 / ratio] : [ratio, 1];
      }
    }
    const y1 = uniform(rng, 0, 1 - h);
    const x1 = uniform(rng, 0, 1 - w);
    const mirror = opts.flip && rng() < 0.5;
    boxes.set(mirror ? [y1, x1 + w, y1 + h, x1] : [y1, x1, y1 + h, x1 + w], i * 4);
  }
  return boxes;
}

/** Per-image colour jitter factors; identity values (exactly 1, 1, 1, 0) for images that are not jittered. */
interface JitterFactors {
  brightness: Float32Array;
  contrast: Float32Array;
  saturation: Float32Array;
  hueTurns: Float32Array;
}

function jitterFactors(n: number, opts: AugmentOptions, rng: Rng): JitterFactors {
  const f: JitterFactors = {
    brightness: new Float32Array(n).fill(1),
    contrast: new Float32Array(n).fill(1),
    saturation: new Float32Array(n).fill(1),
    hueTurns: new Float32Array(n),
  };
  const s = opts.colorJitter;
  for (let i = 0; i < n; i++) {
    if (!(rng() < opts.colorJitterProb)) continue;
    f.brightness[i] = uniform(rng, Math.max(0, 1 - s), 1 + s);
    f.contrast[i] = uniform(rng, Math.max(0, 1 - s), 1 + s);
    f.saturation[i] = uniform(rng, Math.max(0, 1 - s), 1 + s);
    f.hueTurns[i] = uniform(rng, -s / 4, s / 4);
  }
  return f;
}

/** ITU-R 601 luma weights, as torchvision's rgb_to_grayscale. */
const LUMA: readonly number[] = [0.299, 0.587, 0.114];

// RGB → YIQ and back. A hue shift is a rotation of the (I, Q) chroma plane, so per image it is one 3×3 matrix.
const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];
// The exact inverse, not the rounded textbook one, so a full turn is the identity and grays stay gray.
const YIQ_TO_RGB = invert3(RGB_TO_YIQ);

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** The 3×3 matrix M (row-major) with rgb' = M·rgb that rotates hue by `turns` of a full circle. */
export function hueMatrix(turns: number): number[] {
  // Exactly the identity for no shift, so un-jittered images pass through the matmul bit-for-bit.
  if (turns === 0) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const c = Math.cos(2 * Math.PI * turns);
  const s = Math.sin(2 * Math.PI * turns);
  const rot = [
    [1, 0, 0],
    [0, c, -s],
    [0, s, c],
  ];
  const mul = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((acc, v, k) => acc + v * b[k][j], 0)));
  return mul(YIQ_TO_RGB, mul(rot, RGB_TO_YIQ)).flat();
}

/**
 * Colour stages work on pixels as row vectors, [N, H·W, C], so a per-image colour map is one batched matmul
 * with an [N, C, C] stack of matrices. This is deliberate: the cpu backend runs every broadcasting elementwise
 * op (an [N, 1, 1, 1] factor times the batch) through a generic index-mapping loop that is about 7× slower than
 * its matmul over the same batch, and a jittered RGB batch needs a dozen of them.
 */
type Pixels = tf.Tensor3D;

const clip01 = <T extends tf.Tensor>(x: T): T => tf.clipByValue(x, 0, 1);

/** N row-major C×C matrices, one per image, from a function of the image index. */
function perImageMatrices(n: number, c: number, matrix: (i: number) => ArrayLike<number>): tf.Tensor3D {
  const out = new Float32Array(n * c * c);
  for (let i = 0; i < n; i++) out.set(matrix(i), i * c * c);
  return tf.tensor3d(out, [n, c, c]);
}

/** pixels[n] · M[n] for every image n: a per-image linear colour map. */
function mapColours(px: Pixels, matrix: (i: number) => ArrayLike<number>): Pixels {
  const [n, , c] = px.shape;
  return tf.matMul(px, perImageMatrices(n, c, matrix)) as Pixels;
}

/** f·I: scales every channel by f. */
function scaled(c: number, f: number): number[] {
  return Array.from({ length: c * c }, (_, k) => (k % (c + 1) === 0 ? f : 0));
}

/**
 * s·I + (1 − s)·L·1ᵀ, a row-vector map (out_j = Σ_k x_k·M[k][j]) that blends each pixel with its luma:
 * s = 1 is exactly the identity and s = 0 is exactly grayscale (every output channel equal to the luma).
 */
function towardsLuma(s: number): number[] {
  return Array.from({ length: 9 }, (_, k) => {
    const [row, col] = [Math.floor(k / 3), k % 3];
    return (row === col ? s : 0) + (1 - s) * LUMA[row];
  });
}

/** Transposes a row-major 3×3 matrix: column-vector maps (y = M·x) become row-vector maps (yᵀ = xᵀ·Mᵀ). */
const transpose3 = (m: number[]): number[] => [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];

/** Mean luma of each image, [N]. */
function meanLuma(px: Pixels): tf.Tensor1D {
  const [n, p, c] = px.shape;
  // Channel means as (1/P)·1ᵀ·pixels: tf.mean over the pixel axis would transpose the batch first (~5× slower on cpu).
  const channelMeans = tf.reshape(tf.matMul(tf.fill([n, 1, p], 1 / p), px), [n, c]);
  if (c === 1) return tf.reshape(channelMeans, [n]);
  return tf.reshape(tf.matMul(channelMeans, tf.tensor2d(LUMA as number[], [3, 1])), [n]);
}

/** c·x + (1 − c)·mean per image. The constant term is ones[N, P, 1] × bias[N, 1, C], again a matmul. */
function adjustContrast(px: Pixels, contrast: Float32Array): Pixels {
  const [n, p, c] = px.shape;
  const bias = tf.mul(meanLuma(px), tf.tensor1d(Float32Array.from(contrast, (f) => 1 - f)));
  const biasRows = tf.matMul(tf.reshape(bias, [n, 1, 1]), tf.ones([n, 1, c])) as tf.Tensor3D;
  const scaledPx = mapColours(px, (i) => scaled(c, contrast[i]));
  return clip01(tf.add(scaledPx, tf.matMul(tf.ones([n, p, 1]), biasRows)));
}

/**
 * torchvision's ColorJitter in a fixed order (brightness, contrast, saturation, hue), clipping after each.
 * Images drawn not to be jittered have identity factors, which these matmuls reproduce bit-for-bit.
 */
function colorJitter(px: Pixels, f: JitterFactors, rgb: boolean): Pixels {
  const c = px.shape[2];
  let y = clip01(mapColours(px, (i) => scaled(c, f.brightness[i])));
  y = adjustContrast(y, f.contrast);
  if (!rgb) return y;
  y = clip01(mapColours(y, (i) => towardsLuma(f.saturation[i])));
  return clip01(mapColours(y, (i) => transpose3(hueMatrix(f.hueTurns[i]))));
}

/** Turns the images with keep = 0 into their luma replicated over the 3 channels. */
function randomGrayscale(px: Pixels, keep: Float32Array): Pixels {
  return mapColours(px, (i) => towardsLuma(keep[i]));
}

/** 1 for images that keep their colour, 0 for those turned to grayscale. */
function grayscaleKeep(n: number, prob: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => (rng() < prob ? 0 : 1));
}

/**
 * Per-image inverse affine maps for tf.image.transform: output pixel (x, y) samples the input at
 * R(θ)·((x, y) − c) + c − t, a rotation by θ about the centre c followed by a translation t.
 */
export function affineTransforms(n: number, h: number, w: number, a: AffineOptions, rng: Rng): Float32Array {
  const out = new Float32Array(n * 8);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let i = 0; i < n; i++) {
    const theta = (uniform(rng, -a.maxRotationDeg, a.maxRotationDeg) * Math.PI) / 180;
    const tx = uniform(rng, -a.maxTranslate, a.maxTranslate) * w;
    const ty = uniform(rng, -a.maxTranslate, a.maxTranslate) * h;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    out.set([c, -s, cx - c * cx + s * cy - tx, s, c, cy - s * cx - c * cy - ty, 0, 0], i * 8);
  }
  return out;
}

/** Per backend name: does its Transform kernel apply a batch of transforms correctly? */
const batchedTransformWorks = new Map<string, boolean>();

// A backend that cannot read synchronously (syncReads.ts) cannot be probed; its Transform kernel is its own
// (batched, one shader over every output pixel) and is trusted: test/webgpu/stepOnWebgpu.test.ts checks the
// augmented step against cpu.

/**
 * tfjs-backend-cpu 4.22's Transform kernel returns from inside its loop over the batch, so only image 0 is
 * transformed and the others come back filled with zeros (wasm is correct). Probe each backend once with a
 * 2-image identity transform and, where it fails, transform the images one at a time.
 */
function transformWorksBatched(): boolean {
  const backend = tf.getBackend();
  let ok = batchedTransformWorks.get(backend) ?? (readsSynchronously(backend) ? undefined : true);
  if (ok === undefined) {
    const second = tf.tidy(() => {
      const probe = tf.image.transform(tf.ones([2, 1, 1, 1]) as tf.Tensor4D, tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0], [1, 8]));
      return probe.dataSync()[1];
    });
    ok = second === 1;
    batchedTransformWorks.set(backend, ok);
  }
  return ok;
}

/** tf.image.transform with one inverse map per image, bilinear sampling. */
function transformBatch(x: tf.Tensor4D, transforms: tf.Tensor2D): tf.Tensor4D {
  // 'nearest' fill repeats the border, which for digits is background, instead of adding hard black edges.
  const warp = (img: tf.Tensor4D, t: tf.Tensor2D) => tf.image.transform(img, t, 'bilinear', 'nearest');
  const n = x.shape[0];
  if (n === 1 || transformWorksBatched()) return warp(x, transforms);
  const images = tf.split(x, n, 0) as tf.Tensor4D[];
  const maps = tf.split(transforms, n, 0) as tf.Tensor2D[];
  return tf.concat(images.map((img, i) => warp(img, maps[i])), 0);
}

function checkInputs(images: tf.Tensor4D, opts: AugmentOptions): void {
  if (images.rank !== 4) throw new Error(`augmentBatch expects NHWC images of rank 4; got rank ${images.rank}`);
  if (images.dtype !== 'float32') throw new Error(`augmentBatch expects float32 images in [0, 1]; got ${images.dtype}`);
  const c = images.shape[3];
  if (opts.rgb && c !== 3) throw new Error(`rgb augmentations need 3 channels; got ${c}`);
  if (!opts.rgb && c !== 1) throw new Error(`grayscale augmentations need 1 channel; got ${c}`);
  const [lo, hi] = opts.cropScale;
  if (!(lo > 0 && lo <= hi && hi <= 1)) throw new Error(`cropScale must satisfy 0 < lo ≤ hi ≤ 1; got [${lo}, ${hi}]`);
  const [rLo, rHi] = opts.cropRatio;
  if (!(rLo > 0 && rLo <= rHi)) throw new Error(`cropRatio must satisfy 0 < lo ≤ hi; got [${rLo}, ${rHi}]`);
}

/** perImageNoise, drawn by the native kernels on every thread when this process loaded them (the same numbers). */
function noise(images: number, size: number, std: number, seed: number): Float32Array {
  const native = loadedNativeKernels();
  if (!native) return perImageNoise(images, size, std, seed);
  const out = new Float32Array(images * size);
  native.imageNoise(out, size, std, imageNoiseSeeds(images, seed));
  return out;
}

/**
 * One random SimCLR view of each image. `images` is float32 NHWC in [0, 1]; the result has the same shape and
 * range. Call twice with different seeds for the two views. The input is not disposed.
 */
export function augmentBatch(images: tf.Tensor4D, opts: AugmentOptions, seed: number): tf.Tensor4D {
  checkInputs(images, opts);
  const [n, h, w] = images.shape;
  if (n === 0) return tf.clone(images);
  // Draw every parameter up front, in a fixed order, before any tensor work.
  const rng = mulberry32(seed);
  const boxes = cropBoxes(n, opts, rng);
  const jitter = opts.colorJitter > 0 ? jitterFactors(n, opts, rng) : undefined;
  const affine = opts.affine ? affineTransforms(n, h, w, opts.affine, rng) : undefined;
  const keepColour = opts.rgb && opts.grayscaleProb > 0 ? grayscaleKeep(n, opts.grayscaleProb, rng) : undefined;
  const noiseSeed = Math.floor(rng() * 2 ** 31);

  return tf.tidy(() => {
    const boxInd = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), 'int32');
    let x = tf.image.cropAndResize(images, tf.tensor2d(boxes, [n, 4]), boxInd, [h, w], 'bilinear');
    if (affine) x = transformBatch(x, tf.tensor2d(affine, [n, 8]));
    if (jitter || keepColour) {
      const c = x.shape[3];
      let px = tf.reshape(x, [n, h * w, c]) as Pixels;
      if (jitter) px = colorJitter(px, jitter, opts.rgb);
      if (keepColour) px = randomGrayscale(px, keepColour);
      x = tf.reshape(px, [n, h, w, c]);
    }
    if (opts.noiseStd > 0) x = tf.add(x, tf.tensor(noise(n, x.size / n, opts.noiseStd, noiseSeed), x.shape));
    return clip01(x);
  });
}
