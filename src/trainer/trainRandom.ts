/**
 * The training loop's randomness: the data order of an epoch and the two views' augmentation seeds of a step
 * come from generators seeded by (run seed, epoch) and (run seed, step). So the seed and those counters are the
 * whole RNG state, which a checkpoint records, and a resumed run draws exactly what the uninterrupted one would.
 */
import { deriveSeed, mulberry32, permutation } from './random';

export const orderSeed = (seed: number, epoch: number): number => deriveSeed(seed, 3, epoch);

/** The shuffled order of the training pool in `epoch`. */
export const epochOrder = (seed: number, epoch: number, count: number): Int32Array => permutation(count, mulberry32(orderSeed(seed, epoch)));

/** Augmentation seeds of view 1 and view 2 at the step with this (0-based) number. */
export const augmentSeeds = (seed: number, step: number): [number, number] => [deriveSeed(seed, 4, step, 1), deriveSeed(seed, 4, step, 2)];

/** The RNG state at the start of `step` in `epoch`, as a checkpoint records it. */
export function rngState(seed: number, epoch: number, step: number): { seed: number; orderSeed: number; augmentSeeds: [number, number] } {
  return { seed, orderSeed: orderSeed(seed, epoch), augmentSeeds: augmentSeeds(seed, step) };
}
