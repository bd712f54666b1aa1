/**
 * The imagefolder dataset: a folder of class sub-folders of PNG/JPEG images (torchvision.datasets.ImageFolder's
 * layout; see src/datasetFiles/imageFolderScan.ts for the listing rules, shared with the extension host's check, and
 * imageDecode.ts for decoding and resizing).
 *
 * Images become imageSize×imageSize×3 uint8 (HWC). The test split is `testDir` (a second ImageFolder with the same
 * classes) or, without one, a seeded split of dataDir: per class, round(10 %) of the files (at least 1 where a class
 * has 2 or more), chosen by a shuffle seeded with the run's seed. Both splits are ordered round-robin over the classes
 * (first image of each class, then the second, …) so --subset N takes from every class.
 *
 * A file that cannot be decoded is skipped, counted and listed in Dataset.warnings (the run's log); a folder with no
 * classes, a class with no readable image, or nothing readable at all is one error line. Decoded folders are cached
 * (imageFolderCache.ts). Plain Node, no TensorFlow.js.
 */
import { constants as bufferConstants } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, ImageSet } from './types';
import { decodeRgb, resizeRgb } from './imageDecode';
import {
  checkSameClasses, ignoredNote, listImageFolder, TEST_FRACTION, testCountOf, type FolderListing,
} from '../../datasetFiles/imageFolderScan';
import { interleaveByClass, seededSplit } from './imageFolderSplit';
import { cacheFile, cacheKey, imageFolderCacheDir, readCache, writeCache, type DecodedFolder } from './imageFolderCache';

export const DEFAULT_IMAGE_SIZE = 32;

export interface ImageFolderOptions {
  dataDir: string;
  testDir?: string;
  imageSize?: number;
  /** Seed of the split of dataDir when there is no testDir. */
  seed?: number;
  /** Cache folder; default imageFolderCacheDir() (from the environment); null = no cache. */
  cacheDir?: string | null;
  /**
   * Only the first N training / test images will be used (0 = all). Without a cache entry only those are decoded
   * (and nothing is cached); the images are the same as the first N of a full load.
   */
  subset?: number;
  testSubset?: number;
}

/** How many skipped files the warning names. */
const LISTED_SKIPS = 5;

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new Error(`imageSize must be a whole number of pixels, got ${size}`);
  return size;
}

/** Decodes listed file `i` into `out` at `offset`; returns "rel: reason" when it cannot. */
function decodeOne(listing: FolderListing, i: number, size: number, out: Uint8Array, offset: number): string | undefined {
  const f = listing.files[i];
  try {
    resizeRgb(decodeRgb(fs.readFileSync(path.join(listing.dir, f.rel))), size, size, out, offset);
    return undefined;
  } catch (e) {
    return `${f.rel}: ${(e as Error).message.split('\n')[0]}`;
  }
}

function checkBufferSize(count: number, size: number): void {
  const bytes = count * size * size * 3;
  if (bytes > bufferConstants.MAX_LENGTH) {
    throw new Error(`${count} images of ${size}×${size}×3 need ${(bytes / 2 ** 30).toFixed(1)} GiB, more than one buffer holds: ` +
      `lower --image-size, --subset or use a smaller folder`);
  }
}

/** Decodes and resizes every listed file (no cache). */
export function decodeFolder(listing: FolderListing, size: number): DecodedFolder {
  const bpi = size * size * 3;
  const count = listing.files.length;
  checkBufferSize(count, size);
  const pixels = new Uint8Array(count * bpi);
  const ok = new Uint8Array(count);
  const skipped: string[] = [];
  let n = 0;
  for (let i = 0; i < count; i++) {
    const failed = decodeOne(listing, i, size, pixels, n * bpi);
    if (failed) {
      skipped.push(failed);
    } else {
      ok[i] = 1;
      n++;
    }
  }
  return { ok, skipped, pixels: n === count ? pixels : pixels.slice(0, n * bpi) };
}

/**
 * The first `limit` readable images of `indices` in the round-robin order gather() gives, decoding only those: per
 * round, each class's next readable file (unreadable ones are skipped within the class, as a full load drops them).
 */
function decodeFirst(listing: FolderListing, indices: readonly number[], limit: number, size: number, numClasses: number, skipped: string[]): ImageSet {
  const bpi = size * size * 3;
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of indices) byClass[listing.files[i].label].push(i);
  const n = Math.min(limit || indices.length, indices.length);
  checkBufferSize(n, size);
  const images = new Uint8Array(n * bpi);
  const labels = new Int32Array(n);
  const ptr = new Array<number>(numClasses).fill(0);
  let count = 0;
  while (count < n && byClass.some((c, k) => ptr[k] < c.length)) {
    for (let k = 0; k < numClasses && count < n; k++) {
      while (ptr[k] < byClass[k].length) {
        const failed = decodeOne(listing, byClass[k][ptr[k]++], size, images, count * bpi);
        if (!failed) {
          labels[count++] = k;
          break;
        }
        skipped.push(failed);
      }
    }
  }
  return { images: count === n ? images : images.slice(0, count * bpi), labels: labels.slice(0, count), count };
}

/** The folder's cache entry, when there is a trustworthy one. */
function cached(listing: FolderListing, size: number, cacheDir: string | null, notes: string[]): DecodedFolder | undefined {
  if (!cacheDir) return undefined;
  const key = cacheKey(listing.files, size);
  const file = cacheFile(cacheDir, key);
  const hit = readCache(file, key, listing.files.length, size * size * 3);
  if (hit) notes.push(`read ${listing.files.length} decoded images of ${listing.dir} from the cache ${file}`);
  return hit;
}

/** decodeFolder, then into the cache; `notes` gets what the log should say about it. */
function decodeAndCache(listing: FolderListing, size: number, cacheDir: string | null, notes: string[]): DecodedFolder {
  const started = Date.now();
  const decoded = decodeFolder(listing, size);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (!cacheDir) {
    notes.push(`decoded ${listing.files.length} images of ${listing.dir} in ${secs} s (cache off)`);
    return decoded;
  }
  const key = cacheKey(listing.files, size);
  const file = cacheFile(cacheDir, key);
  const failed = writeCache(file, key, decoded);
  notes.push(failed
    ? `decoded ${listing.files.length} images of ${listing.dir} in ${secs} s; could not cache them (${failed})`
    : `decoded ${listing.files.length} images of ${listing.dir} in ${secs} s, cached in ${file}`);
  return decoded;
}

function skippedNote(listing: FolderListing, skipped: readonly string[]): string | undefined {
  const n = skipped.length;
  if (n === 0) return undefined;
  const more = n > LISTED_SKIPS ? ', …' : '';
  return `skipped ${n} unreadable file${n > 1 ? 's' : ''} in ${listing.dir} (${n > LISTED_SKIPS ? 'first few: ' : ''}` +
    `${skipped.slice(0, LISTED_SKIPS).join(', ')}${more})`;
}

/** Refuses a folder where nothing, or nothing of some class, could be read. */
function checkReadable(listing: FolderListing, d: DecodedFolder): void {
  const okCount = d.ok.reduce((a, b) => a + b, 0);
  if (okCount === 0) {
    throw new Error(`none of the ${listing.files.length} image files in ${listing.dir} could be read ` +
      `(${d.skipped.slice(0, 2).join(', ')}): they must be PNG or JPEG files`);
  }
  const perClass = new Array<number>(listing.classNames.length).fill(0);
  listing.files.forEach((f, i) => { perClass[f.label] += d.ok[i]; });
  const empty = listing.classNames.filter((_, k) => perClass[k] === 0);
  if (empty.length) {
    throw new Error(`class folder${empty.length > 1 ? 's' : ''} ${empty.slice(0, 5).map((c) => `"${c}"`).join(', ')} in ${listing.dir} ` +
      `hold${empty.length > 1 ? '' : 's'} no readable image (all skipped as unreadable): fix or remove those files or the folder`);
  }
}

/** The images at listing indices `indices` (readable ones only), round-robin over classes. */
function gather(listing: FolderListing, d: DecodedFolder, indices: readonly number[], bpi: number, numClasses: number): ImageSet {
  const slot = new Int32Array(d.ok.length).fill(-1);
  for (let i = 0, n = 0; i < d.ok.length; i++) if (d.ok[i]) slot[i] = n++;
  const readable = indices.filter((i) => slot[i] >= 0);
  const order = interleaveByClass(readable, (i) => listing.files[i].label, numClasses);
  const images = new Uint8Array(order.length * bpi);
  const labels = new Int32Array(order.length);
  order.forEach((i, j) => {
    images.set(d.pixels.subarray(slot[i] * bpi, (slot[i] + 1) * bpi), j * bpi);
    labels[j] = listing.files[i].label;
  });
  return { images, labels, count: order.length };
}

export function loadImageFolder(opts: ImageFolderOptions): Dataset {
  const size = checkSize(opts.imageSize ?? DEFAULT_IMAGE_SIZE);
  const cacheDir = opts.cacheDir === undefined ? imageFolderCacheDir() ?? null : opts.cacheDir;
  const train = listImageFolder(opts.dataDir, '--data-dir');
  const test = opts.testDir === undefined ? undefined : listImageFolder(opts.testDir, '--test-dir');
  if (test) checkSameClasses(train, test);
  const k = train.classNames.length;
  // The split is made on the listing, before decoding, so which files are unreadable does not move it.
  const split = test ? undefined : seededSplit(train.files, k, opts.seed ?? 0);
  const trainIdx = split ? split.train : train.files.map((_, i) => i);
  const testIdx = split ? split.test : (test as FolderListing).files.map((_, i) => i);
  const testListing = test ?? train;
  const notes: string[] = [];
  const ignored = [ignoredNote(train), test && ignoredNote(test)];
  const dataset = (trainSet: ImageSet, testSet: ImageSet, skips: (string | undefined)[]): Dataset => ({
    name: 'imagefolder',
    height: size,
    width: size,
    channels: 3,
    numClasses: k,
    classNames: train.classNames,
    train: trainSet,
    test: testSet,
    warnings: [...skips, ...ignored, ...notes].filter((w): w is string => typeof w === 'string' && w.length > 0),
  });

  let trainDecoded = cached(train, size, cacheDir, notes);
  let testDecoded = test && cached(test, size, cacheDir, notes);
  const subset = opts.subset ?? 0;
  const testSubset = opts.testSubset ?? 0;
  const partial = (subset > 0 && subset < trainIdx.length) || (testSubset > 0 && testSubset < testIdx.length);
  if (partial && !trainDecoded && (!test || !testDecoded)) {
    // A few images of a big folder: decode only those; a run over the whole folder fills the cache.
    const started = Date.now();
    const trainSkips: string[] = [];
    const testSkips: string[] = [];
    const trainSet = decodeFirst(train, trainIdx, subset, size, k, trainSkips);
    const testSet = decodeFirst(testListing, testIdx, testSubset, size, k, test ? testSkips : trainSkips);
    if (trainSet.count === 0) throw new Error(`none of the image files in ${train.dir} could be read (${trainSkips.slice(0, 2).join(', ')}): they must be PNG or JPEG files`);
    notes.push(`decoded only the ${trainSet.count + testSet.count} images --subset/--test-subset use in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      '(not cached; a run over the whole folder caches it)');
    return dataset(trainSet, testSet, [skippedNote(train, trainSkips), test && skippedNote(test, testSkips)]);
  }
  trainDecoded ??= decodeAndCache(train, size, cacheDir, notes);
  checkReadable(train, trainDecoded);
  if (test) {
    testDecoded ??= decodeAndCache(test, size, cacheDir, notes);
    checkReadable(test, testDecoded);
  }
  const bpi = size * size * 3;
  return dataset(
    gather(train, trainDecoded, trainIdx, bpi, k),
    gather(testListing, testDecoded ?? trainDecoded, testIdx, bpi, k),
    [skippedNote(train, trainDecoded.skipped), test && testDecoded && skippedNote(test, testDecoded.skipped)],
  );
}

/** The split sizes without decoding (unreadable files are only found when loading, so these are upper bounds). */
export function describeImageFolder(opts: Omit<ImageFolderOptions, 'cacheDir' | 'imageSize'>): string {
  const train = listImageFolder(opts.dataDir, '--data-dir');
  const names = train.classNames;
  const classes = `${names.length} classes (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`;
  const ignored = ignoredNote(train);
  const tail = ignored ? `; ${ignored}` : '';
  if (opts.testDir !== undefined) {
    const test = listImageFolder(opts.testDir, '--test-dir');
    checkSameClasses(train, test);
    return `ImageFolder: ${train.files.length} training and ${test.files.length} test images of ${classes} ` +
      `in ${train.dir} and ${test.dir} (PNG/JPEG files; unreadable ones are skipped when loading)${tail}`;
  }
  const testCount = train.perClass.reduce((a, n) => a + testCountOf(n), 0);
  return `ImageFolder: ${train.files.length - testCount} training and ${testCount} test images of ${classes} in ${train.dir} ` +
    `(a seeded ${TEST_FRACTION * 100} % per-class test split; PNG/JPEG files, unreadable ones are skipped when loading)${tail}`;
}
