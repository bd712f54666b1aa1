/** Seeded randomness for everything outside tfjs ops (shuffles, derived seeds), so runs are reproducible. */

/** mulberry32: small, fast, good enough for shuffling and seeding. Returns uniform [0, 1). */
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

/** A well-mixed seed for a named purpose at a given counter (e.g. augmentation of view 2 at step 17). */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = (base ^ 0x9e3779b9) >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rnd: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * `length` samples of N(0, std²) from mulberry32(seed), by Marsaglia's polar method (a point drawn uniformly in
 * the unit disc gives two normals, with one logarithm and one square root and no trigonometry). Generated here
 * rather than by tf.randomNormal, whose per-sample JavaScript costs ~60 ns; being plain JavaScript, the noise is
 * identical on every backend.
 */
export function gaussianNoise(length: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  // mulberry32's steps, inlined: the closure call per uniform was most of the time.
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < length; i += 2) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    out[i] = u * f;
    if (i + 1 < length) out[i + 1] = v * f;
  }
  return out;
}

/**
 * Noise for `images` images of `size` values each: image i gets gaussianNoise(size, std, seeds[i]), its own
 * stream, so the images can be drawn in parallel (the native kernels do; see augment.ts) with the same numbers.
 * The per-image seeds come from mulberry32(seed).
 */
export function imageNoiseSeeds(images: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from({ length: images }, () => Math.floor(rng() * 4294967296));
}

export function perImageNoise(images: number, size: number, std: number, seed: number): Float32Array {
  const seeds = imageNoiseSeeds(images, seed);
  const out = new Float32Array(images * size);
  for (let i = 0; i < images; i++) out.set(gaussianNoise(size, std, seeds[i]), i * size);
  return out;
}
