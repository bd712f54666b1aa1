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
 * `length` samples of N(0, std²) from mulberry32(seed), by the Box–Muller transform (two uniforms give two
 * normals). Generated here rather than by tf.randomNormal, whose per-sample JavaScript costs ~50 ns (20 ms for
 * one MNIST batch of noise); this is several times faster and, being plain JavaScript, identical on every backend.
 */
export function gaussianNoise(length: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  const rnd = mulberry32(seed);
  for (let i = 0; i < length; i += 2) {
    // 1 − u keeps the logarithm's argument in (0, 1].
    const r = std * Math.sqrt(-2 * Math.log(1 - rnd()));
    const angle = 2 * Math.PI * rnd();
    out[i] = r * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}
