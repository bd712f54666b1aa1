/**
 * The trainer's side of an ImageFolder without a --test-dir: which files are held out (a seeded split whose sizes
 * src/datasetFiles/imageFolderScan.ts's testCountOf states, so the host's folder check can count them without this),
 * and the order that lets --subset take every class.
 */
import { testCountOf, type ImageFile } from '../../datasetFiles/imageFolderScan';
import { mulberry32 } from '../random';

/**
 * Splits a listing's file indices into train and test: per class, a seeded shuffle (seed = the run's seed) picks
 * testCountOf(n) files. Each split keeps the listing order (class, then path). Deterministic for a seed and listing.
 */
export function seededSplit(files: readonly ImageFile[], numClasses: number, seed: number): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  files.forEach((f, i) => byClass[f.label].push(i));
  const isTest = new Uint8Array(files.length);
  byClass.forEach((idx, k) => {
    // One generator per class, so adding images to one class does not reshuffle the others.
    const rand = mulberry32(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b));
    const a = idx.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    for (const i of a.slice(0, testCountOf(a.length))) isTest[i] = 1;
  });
  const train: number[] = [];
  const test: number[] = [];
  files.forEach((_, i) => (isTest[i] ? test : train).push(i));
  return { train, test };
}

/**
 * Orders indices (sorted by class) round-robin over the classes: the first of each class, then the second of each,
 * … so that --subset N (the first N images) takes every class, not only the first.
 */
export function interleaveByClass(indices: readonly number[], labelOf: (i: number) => number, numClasses: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of indices) byClass[labelOf(i)].push(i);
  const out: number[] = [];
  const longest = Math.max(0, ...byClass.map((c) => c.length));
  for (let r = 0; r < longest; r++) for (const c of byClass) if (r < c.length) out.push(c[r]);
  return out;
}
