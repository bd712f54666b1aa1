/** Seeded randomness so every projection and metric sample is reproducible from its parameters. */

/** mulberry32: a small, fast 32-bit generator; uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let a = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a seeded uniform source. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
}

/** `size` distinct indices from [0, n) (all of them, in order, when size ≥ n), sorted ascending. */
export function sampleIndices(n: number, size: number, seed: number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates over an identity permutation.
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const rnd = seededUniform(seed);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rnd() * (n - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.slice(0, size).sort();
}
