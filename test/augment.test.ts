import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  augmentBatch,
  cropBoxes,
  defaultAugmentOptions,
  hueMatrix,
  type AugmentOptions,
} from '../src/trainer/augment';
import { gaussianNoise, imageNoiseSeeds, mulberry32, perImageNoise } from '../src/trainer/random';
import { initBackend } from '../src/trainer/backend';
import { assertAllClose, assertClose, useCpu } from './helpers/tf';

/** Every stage off: the identity augmentation, to switch single stages on in tests. */
function noAugment(rgb: boolean): AugmentOptions {
  return {
    rgb,
    flip: false,
    cropScale: [1, 1],
    cropRatio: [3 / 4, 4 / 3],
    colorJitter: 0,
    colorJitterProb: 0.8,
    grayscaleProb: 0,
    noiseStd: 0,
  };
}

/** Reproducible images in [0, 1]: a different smooth pattern per image and channel. */
function images(n: number, h: number, w: number, c: number, seed = 1): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    const [a, b, p] = [rnd() * 3, rnd() * 3, rnd() * 6];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((i * h + y) * w + x) * c + k] = 0.5 + 0.5 * Math.sin((a * x) / w + (b * y) / h + p + k);
  }
  return out;
}

function augment(data: Float32Array, shape: [number, number, number, number], opts: AugmentOptions, seed: number): Float32Array {
  return tf.tidy(() => augmentBatch(tf.tensor4d(data, shape), opts, seed).dataSync() as Float32Array);
}

/** Pixel (i, y, x, k) of an NHWC array. */
const at = (a: Float32Array, [, h, w, c]: number[], i: number, y: number, x: number, k: number) => a[((i * h + y) * w + x) * c + k];

function assertInUnitRange(a: Float32Array, what: string): void {
  for (let i = 0; i < a.length; i++) assert.ok(a[i] >= 0 && a[i] <= 1 && Number.isFinite(a[i]), `${what}[${i}] = ${a[i]} outside [0, 1]`);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('augmentBatch on cpu', () => {
  before(useCpu);

  it('keeps shape, dtype and the [0, 1] range with the SimCLR defaults (rgb and grayscale)', () => {
    for (const [shape, opts] of [
      [[6, 16, 16, 3], defaultAugmentOptions(3, false)],
      [[6, 28, 28, 1], defaultAugmentOptions(1, true)],
    ] as [[number, number, number, number], AugmentOptions][]) {
      const out = tf.tidy(() => {
        const y = augmentBatch(tf.tensor4d(images(...shape), shape), opts, 3);
        assert.deepEqual(y.shape, shape);
        assert.equal(y.dtype, 'float32');
        return y.dataSync() as Float32Array;
      });
      assertInUnitRange(out, `out ${shape}`);
    }
  });

  it('is the exact identity when every stage is off', () => {
    const shape: [number, number, number, number] = [3, 9, 7, 3];
    const x = images(...shape);
    assert.equal(maxAbsDiff(augment(x, shape, noAugment(true), 5), x), 0);
  });

  it('mirrors left-right exactly, for about half of the images', () => {
    const shape: [number, number, number, number] = [32, 5, 6, 1];
    const x = images(...shape);
    const out = augment(x, shape, { ...noAugment(false), flip: true }, 11);
    let flipped = 0;
    for (let i = 0; i < shape[0]; i++) {
      let same = true;
      let mirrored = true;
      for (let y = 0; y < shape[1]; y++)
        for (let c = 0; c < shape[2]; c++) {
          const v = at(out, shape, i, y, c, 0);
          if (Math.abs(v - at(x, shape, i, y, c, 0)) > 1e-6) same = false;
          if (Math.abs(v - at(x, shape, i, y, shape[2] - 1 - c, 0)) > 1e-6) mirrored = false;
        }
      assert.ok(same !== mirrored, `image ${i} is neither the input nor its mirror (same=${same}, mirrored=${mirrored})`);
      if (mirrored) flipped++;
    }
    assert.ok(flipped >= 8 && flipped <= 24, `${flipped} of 32 images flipped; expected about half`);
  });

  it('random resized crop zooms into a box of the requested area and aspect ratio', () => {
    // A horizontal ramp: after a crop of width fraction w the output ramp spans w, in increasing order.
    const [n, h, w] = [8, 12, 12];
    const ramp = new Float32Array(n * h * w).map((_, j) => (j % w) / (w - 1));
    const out = augment(ramp, [n, h, w, 1], { ...noAugment(false), cropScale: [0.25, 0.25] }, 2);
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: w }, (_, x) => at(out, [n, h, w, 1], i, h >> 1, x, 0));
      const span = row[w - 1] - row[0];
      // area 0.25 with ratio in [3/4, 4/3] → width fraction in [√(0.25·0.75), √(0.25·4/3)] = [0.433, 0.577].
      assert.ok(span > 0.43 && span < 0.58, `image ${i}: crop width ${span}`);
      for (let x = 1; x < w; x++) assert.ok(row[x] > row[x - 1], `image ${i}: ramp not increasing at ${x}`);
    }
  });

  it('crop boxes stay inside the image and follow torchvision’s scale/ratio sampling', () => {
    const opts = { ...defaultAugmentOptions(3, false) };
    const boxes = cropBoxes(500, opts, mulberry32(9));
    let flips = 0;
    for (let i = 0; i < 500; i++) {
      const [y1, xa, y2, xb] = boxes.subarray(i * 4, i * 4 + 4);
      if (xa > xb) flips++;
      const [x1, x2] = [Math.min(xa, xb), Math.max(xa, xb)];
      for (const v of [y1, x1, y2, x2]) assert.ok(v >= 0 && v <= 1 + 1e-6, `box ${i} coordinate ${v}`);
      const area = (y2 - y1) * (x2 - x1);
      const ratio = (x2 - x1) / (y2 - y1);
      assert.ok(area >= 0.2 - 1e-5 && area <= 1 + 1e-5, `box ${i} area ${area}`);
      assert.ok(ratio >= 0.75 - 1e-4 && ratio <= 4 / 3 + 1e-4, `box ${i} ratio ${ratio}`);
    }
    assert.ok(flips > 200 && flips < 300, `${flips} of 500 boxes mirrored`);
  });

  it('grayscale with p = 1 makes the three channels equal to the luma', () => {
    const shape: [number, number, number, number] = [4, 6, 6, 3];
    const x = images(...shape);
    const out = augment(x, shape, { ...noAugment(true), grayscaleProb: 1 }, 4);
    for (let i = 0; i < shape[0]; i++)
      for (let y = 0; y < 6; y++)
        for (let c = 0; c < 6; c++) {
          const luma = 0.299 * at(x, shape, i, y, c, 0) + 0.587 * at(x, shape, i, y, c, 1) + 0.114 * at(x, shape, i, y, c, 2);
          for (let k = 0; k < 3; k++) assertClose(at(out, shape, i, y, c, k), luma, 0, 1e-6, `pixel ${i},${y},${c},${k}`);
        }
  });

  it('colour jitter changes every image when p = 1, leaves them alone when p = 0, and stays in [0, 1]', () => {
    const shape: [number, number, number, number] = [6, 8, 8, 3];
    const x = images(...shape);
    const per = shape[1] * shape[2] * shape[3];
    const on = augment(x, shape, { ...noAugment(true), colorJitter: 0.4, colorJitterProb: 1 }, 6);
    assertInUnitRange(on, 'jittered');
    for (let i = 0; i < shape[0]; i++) {
      const d = maxAbsDiff(on.subarray(i * per, (i + 1) * per), x.subarray(i * per, (i + 1) * per));
      assert.ok(d > 1e-3, `image ${i} unchanged by jitter (max diff ${d})`);
    }
    const off = augment(x, shape, { ...noAugment(true), colorJitter: 0.4, colorJitterProb: 0 }, 6);
    assert.equal(maxAbsDiff(off, x), 0);
  });

  it('colour jitter keeps gray images gray (saturation and hue act on chroma only)', () => {
    const shape: [number, number, number, number] = [6, 6, 6, 3];
    const gray = Float32Array.from(Array.from(images(6, 6, 6, 1)).flatMap((v) => [v, v, v]));
    const out = augment(gray, shape, { ...noAugment(true), colorJitter: 0.4, colorJitterProb: 1 }, 13);
    for (let j = 0; j < out.length; j += 3) {
      assertClose(out[j + 1], out[j], 0, 1e-5, `green vs red at pixel ${j / 3}`);
      assertClose(out[j + 2], out[j], 0, 1e-5, `blue vs red at pixel ${j / 3}`);
    }
    assert.ok(maxAbsDiff(out, gray) > 1e-3, 'brightness/contrast changed nothing');
  });

  it('the hue matrix is the identity for no shift and a full turn, and leaves grays gray', () => {
    assert.deepEqual(hueMatrix(0), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assertAllClose(hueMatrix(1), [1, 0, 0, 0, 1, 0, 0, 0, 1], 0, 1e-9, 'full turn');
    const m = hueMatrix(0.1);
    for (let r = 0; r < 3; r++) assertClose(m[r * 3] + m[r * 3 + 1] + m[r * 3 + 2], 1, 0, 1e-9, `row ${r} sum`);
    assert.ok(Math.abs(m[1]) > 0.05, 'a 0.1 turn mixes the channels');
  });

  it('rotates about the image centre and translates within the bound', () => {
    // One bright pixel in the centre of a 9×9 image: a pure rotation keeps it exactly where it is.
    const [n, s] = [6, 9];
    const dot = new Float32Array(n * s * s);
    for (let i = 0; i < n; i++) dot[i * s * s + 4 * s + 4] = 1;
    const rot = augment(dot, [n, s, s, 1], { ...noAugment(false), affine: { maxRotationDeg: 30, maxTranslate: 0 } }, 8);
    for (let i = 0; i < n; i++) assertClose(at(rot, [n, s, s, 1], i, 4, 4, 0), 1, 0, 1e-5, `centre of image ${i}`);

    const moved = augment(dot, [n, s, s, 1], { ...noAugment(false), affine: { maxRotationDeg: 0, maxTranslate: 0.2 } }, 8);
    let shifted = 0;
    for (let i = 0; i < n; i++) {
      let [mass, cy, cx] = [0, 0, 0];
      for (let y = 0; y < s; y++)
        for (let x = 0; x < s; x++) {
          const v = at(moved, [n, s, s, 1], i, y, x, 0);
          [mass, cy, cx] = [mass + v, cy + v * y, cx + v * x];
        }
      // Bilinear resampling of a translated image keeps the dot's mass and moves its centroid by t ≤ 0.2·9.
      assertClose(mass, 1, 0, 1e-4, `mass of image ${i}`);
      const [dy, dx] = [cy / mass - 4, cx / mass - 4];
      assert.ok(Math.abs(dy) <= 1.8 + 1e-4 && Math.abs(dx) <= 1.8 + 1e-4, `image ${i} moved by (${dy}, ${dx})`);
      if (Math.hypot(dy, dx) > 0.1) shifted++;
    }
    assert.ok(shifted >= n - 1, `only ${shifted} of ${n} images moved`);
  });

  it('adds gaussian noise of the requested strength', () => {
    const shape: [number, number, number, number] = [4, 16, 16, 1];
    const gray = new Float32Array(4 * 16 * 16).fill(0.5);
    const out = augment(gray, shape, { ...noAugment(false), noiseStd: 0.05 }, 12);
    const mean = out.reduce((a, v) => a + v, 0) / out.length;
    const std = Math.sqrt(out.reduce((a, v) => a + (v - mean) ** 2, 0) / out.length);
    assertClose(mean, 0.5, 0, 0.01, 'noise mean');
    assertClose(std, 0.05, 0.15, 0, 'noise std');
  });

  it('gaussianNoise: N(0, std²) samples, reproducible per seed, odd lengths filled', () => {
    const std = 0.05;
    const x = gaussianNoise(200_001, std, 9);
    let sum = 0;
    let sq = 0;
    let within1 = 0;
    let within2 = 0;
    for (const v of x) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) < std) within1++;
      if (Math.abs(v) < 2 * std) within2++;
    }
    const mean = sum / x.length;
    assertClose(mean, 0, 0, 0.001, 'mean');
    assertClose(Math.sqrt(sq / x.length - mean * mean), std, 0.01, 0, 'std');
    // The normal distribution's 68.3 % / 95.4 % within one / two standard deviations.
    assertClose(within1 / x.length, 0.6827, 0, 0.005, 'within 1σ');
    assertClose(within2 / x.length, 0.9545, 0, 0.003, 'within 2σ');
    assert.notEqual(x[x.length - 1], 0, 'the last sample of an odd length is drawn too');
    assert.deepEqual(gaussianNoise(7, std, 9), x.subarray(0, 7));
    assert.notDeepEqual(gaussianNoise(7, std, 10), x.subarray(0, 7));
  });

  it('perImageNoise: each image its own gaussianNoise stream, seeded from one seed', () => {
    const seeds = imageNoiseSeeds(3, 21);
    assert.equal(new Set(seeds).size, 3, 'distinct streams');
    assert.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
    const x = perImageNoise(3, 5, 0.2, 21);
    for (let i = 0; i < 3; i++) assert.deepEqual(x.subarray(i * 5, i * 5 + 5), gaussianNoise(5, 0.2, seeds[i]), `image ${i}`);
    assert.deepEqual(perImageNoise(3, 5, 0.2, 21), x, 'reproducible');
    assert.notDeepEqual(perImageNoise(3, 5, 0.2, 22), x);
  });

  it('is reproducible per seed and differs between seeds', () => {
    for (const [shape, opts] of [
      [[4, 12, 12, 3], defaultAugmentOptions(3, false)],
      [[4, 12, 12, 1], defaultAugmentOptions(1, true)],
    ] as [[number, number, number, number], AugmentOptions][]) {
      const x = images(...shape);
      const a = augment(x, shape, opts, 42);
      const b = augment(x, shape, opts, 42);
      const c = augment(x, shape, opts, 43);
      assert.equal(maxAbsDiff(a, b), 0, `same seed, ${shape}`);
      assert.ok(maxAbsDiff(a, c) > 1e-2, `different seeds gave the same views, ${shape}`);
    }
  });

  it('rejects inputs that do not match the options', () => {
    const gray = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    assert.throws(() => augmentBatch(gray, defaultAugmentOptions(3, false), 1), /3 channels/);
    assert.throws(() => augmentBatch(gray, { ...noAugment(false), cropScale: [0, 1] }, 1), /cropScale/);
    const ints = tf.zeros([2, 4, 4, 1], 'int32') as tf.Tensor4D;
    assert.throws(() => augmentBatch(ints, noAugment(false), 1), /float32/);
    tf.dispose([gray, ints]);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor4d(images(4, 10, 10, 3), [4, 10, 10, 3]);
    const g = tf.tensor4d(images(4, 10, 10, 1), [4, 10, 10, 1]);
    const run = (seed: number) => {
      augmentBatch(x, defaultAugmentOptions(3, false), seed).dispose();
      augmentBatch(g, defaultAugmentOptions(1, true), seed).dispose();
    };
    run(0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 3; s++) run(s);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, g]);
  });
});

describe('augmentBatch on wasm matches cpu', () => {
  const cases: [string, [number, number, number, number], AugmentOptions][] = [
    ['rgb defaults', [4, 12, 12, 3], defaultAugmentOptions(3, false)],
    ['grayscale digits', [4, 14, 14, 1], defaultAugmentOptions(1, true)],
    ['flip only', [8, 5, 6, 3], { ...noAugment(true), flip: true }],
  ];
  const onCpu = new Map<string, Float32Array>();

  before(async () => {
    await useCpu();
    for (const [name, shape, opts] of cases) onCpu.set(name, augment(images(...shape), shape, opts, 21));
    await initBackend('wasm');
  });
  after(useCpu);

  it('has every kernel the augmentations use', () => {
    for (const k of ['CropAndResize', 'Transform', 'BatchMatMul', 'Multiply', 'Add', 'ClipByValue', 'Fill', 'Reshape', 'SplitV', 'Concat']) {
      assert.ok(tf.getKernel(k, 'wasm'), `wasm lacks ${k}`);
    }
  });

  for (const [name, shape, opts] of cases) {
    it(`gives the cpu's views for the same seed: ${name}`, () => {
      assert.equal(tf.getBackend(), 'wasm');
      const out = augment(images(...shape), shape, opts, 21);
      const ref = onCpu.get(name);
      assert.ok(ref);
      assert.ok(maxAbsDiff(out, ref) < 1e-4, `max |wasm − cpu| = ${maxAbsDiff(out, ref)}`);
    });
  }
});
