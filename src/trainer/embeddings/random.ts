/** Seeded randomness so every projection and metric sample is reproducible from its parameters. */
import { mulberry32 } from '../random';

/** A seeded uniform source in [0, 1) (mulberry32 over a mixed seed, so nearby seeds diverge at once). */
export function seededUniform(seed: number): () => number {
  return mulberry32((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
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
