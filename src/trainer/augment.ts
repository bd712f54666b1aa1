/**
 * SimCLR view augmentations as batched tensor ops.
 *
 * Every per-image random choice (crop box, flip, jitter factors, grayscale, affine) is drawn on the host from a
 * seeded PRNG and turned into a small tensor of per-image parameters, so one `cropAndResize`, one `transform`
 * and a handful of broadcast arithmetic ops cover the whole batch. The only tensor-side randomness, the
 * additive noise, uses tf.randomNormal with a seed derived from the same PRNG. Consequently the same seed gives
 * identical views on a given backend, and the parameters themselves are identical on every backend.
 *
 * The recipe follows SimCLR's CIFAR setting (random resized crop, flip, ColorJitter(0.4, 0.4, 0.4, 0.1) with
 * p = 0.8, grayscale p = 0.2) and, for grayscale digits, a milder crop plus a small affine and gaussian noise.
 * Ops used (CropAndResize, Transform, BatchMatMul, Mean, Multiply, Add, ClipByValue) exist on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';

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

/** mulberry32: tiny, fast and good enough to draw augmentation parameters reproducibly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
const YIQ_TO_RGB = [
  [1, 0.956, 0.621],
  [1, -0.272, -0.647],
  [1, -1.106, 1.703],
];

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

const perImage = (values: Float32Array): tf.Tensor4D => tf.tensor4d(values, [values.length, 1, 1, 1]);
const clip01 = (x: tf.Tensor4D): tf.Tensor4D => tf.clipByValue(x, 0, 1);

function luma(x: tf.Tensor4D): tf.Tensor4D {
  if (x.shape[3] === 1) return x;
  return tf.sum(tf.mul(x, tf.tensor1d(LUMA as number[])), 3, true) as tf.Tensor4D;
}

/**
 * a·f + b·(1 − f) per image, b broadcast over a's shape. Written this way (not a + (b − a)·(1 − f)) because it
 * returns a bit-for-bit where f = 1 and b bit-for-bit where f = 0.
 */
function blend(a: tf.Tensor4D, b: tf.Tensor4D, f: Float32Array): tf.Tensor4D {
  const fa = perImage(f);
  return tf.add(tf.mul(a, fa), tf.mul(b, tf.sub(1, fa))) as tf.Tensor4D;
}

/** torchvision's ColorJitter in a fixed order (brightness, contrast, saturation, hue), clipping after each. */
function colorJitter(x: tf.Tensor4D, f: JitterFactors, rgb: boolean): tf.Tensor4D {
  let y = clip01(tf.mul(x, perImage(f.brightness)));
  const meanLuma = tf.mean(luma(y), [1, 2, 3], true) as tf.Tensor4D;
  y = clip01(blend(y, meanLuma, f.contrast));
  if (!rgb) return y;
  y = clip01(blend(y, luma(y), f.saturation));
  const [n, h, w] = y.shape;
  const mats = tf.tensor3d(Array.from(f.hueTurns, hueMatrix).flat(), [n, 3, 3]);
  // [N, HW, 3] × [N, 3, 3]ᵀ applies each image's own hue matrix to all of its pixels in one batched matmul.
  const shifted = tf.matMul(tf.reshape(y, [n, h * w, 3]), mats, false, true);
  return clip01(tf.reshape(shifted, [n, h, w, 3]));
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
    if (affine) {
      // 'nearest' fill repeats the border, which for digits is background, without adding hard black edges.
      x = tf.image.transform(x, tf.tensor2d(affine, [n, 8]), 'bilinear', 'nearest');
    }
    if (jitter) x = colorJitter(x, jitter, opts.rgb);
    // The luma (one channel) broadcasts over the 3 colour channels of the images that lose their colour.
    if (keepColour) x = blend(x, luma(x), keepColour);
    if (opts.noiseStd > 0) x = tf.add(x, tf.randomNormal(x.shape, 0, opts.noiseStd, 'float32', noiseSeed));
    return clip01(x);
  });
}
