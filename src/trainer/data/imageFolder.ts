/**
 * The imagefolder dataset: a folder of class sub-folders of PNG/JPEG images (torchvision.datasets.ImageFolder's
 * layout; see imageFolderScan.ts for the listing rules and imageDecode.ts for decoding and resizing).
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
  checkSameClasses, ignoredNote, interleaveByClass, listImageFolder, seededSplit, testCountOf, type FolderListing,
} from './imageFolderScan';
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
}

/** How many skipped files the warning names. */
const LISTED_SKIPS = 5;

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new Error(`imageSize must be a whole number of pixels, got ${size}`);
  return size;
}

/** Decodes and resizes every listed file (no cache). */
export function decodeFolder(listing: FolderListing, size: number): DecodedFolder {
  const bpi = size * size * 3;
  const count = listing.files.length;
  if (count * bpi > bufferConstants.MAX_LENGTH) {
    throw new Error(`${count} images of ${size}×${size}×3 need ${((count * bpi) / 2 ** 30).toFixed(1)} GiB, more than one buffer holds: ` +
      `lower --image-size or use a smaller folder`);
  }
  const pixels = new Uint8Array(count * bpi);
  const ok = new Uint8Array(count);
  const skipped: string[] = [];
  let n = 0;
  for (let i = 0; i < count; i++) {
    const f = listing.files[i];
    try {
      const img = decodeRgb(fs.readFileSync(path.join(listing.dir, f.rel)));
      resizeRgb(img, size, size, pixels, n * bpi);
      ok[i] = 1;
      n++;
    } catch (e) {
      skipped.push(`${f.rel}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { ok, skipped, pixels: n === count ? pixels : pixels.slice(0, n * bpi) };
}

/** decodeFolder through the cache; `notes` gets what the log should say about the cache. */
function decodeCached(listing: FolderListing, size: number, cacheDir: string | null, notes: string[]): DecodedFolder {
  if (!cacheDir) return decodeFolder(listing, size);
  const key = cacheKey(listing.files, size);
  const file = cacheFile(cacheDir, key);
  const bpi = size * size * 3;
  const hit = readCache(file, key, listing.files.length, bpi);
  if (hit) {
    notes.push(`read ${listing.files.length} decoded images of ${listing.dir} from the cache ${file}`);
    return hit;
  }
  const started = Date.now();
  const decoded = decodeFolder(listing, size);
  const failed = writeCache(file, key, decoded);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  notes.push(failed
    ? `decoded ${listing.files.length} images of ${listing.dir} in ${secs} s; could not cache them (${failed})`
    : `decoded ${listing.files.length} images of ${listing.dir} in ${secs} s, cached in ${file}`);
  return decoded;
}

function skippedNote(listing: FolderListing, d: DecodedFolder): string | undefined {
  if (d.skipped.length === 0) return undefined;
  const n = d.skipped.length;
  const more = n > LISTED_SKIPS ? ', …' : '';
  return `skipped ${n} unreadable file${n > 1 ? 's' : ''} in ${listing.dir} (${n > LISTED_SKIPS ? 'first few: ' : ''}` +
    `${d.skipped.slice(0, LISTED_SKIPS).join(', ')}${more})`;
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
  const notes: string[] = [];
  const trainDecoded = decodeCached(train, size, cacheDir, notes);
  checkReadable(train, trainDecoded);
  const testDecoded = test && decodeCached(test, size, cacheDir, notes);
  if (test && testDecoded) checkReadable(test, testDecoded);
  const warnings = [
    skippedNote(train, trainDecoded), test && testDecoded && skippedNote(test, testDecoded),
    ignoredNote(train), test && ignoredNote(test), ...notes,
  ].filter((w): w is string => typeof w === 'string' && w.length > 0);
  const bpi = size * size * 3;
  const k = train.classNames.length;
  let trainSet: ImageSet;
  let testSet: ImageSet;
  if (test && testDecoded) {
    trainSet = gather(train, trainDecoded, train.files.map((_, i) => i), bpi, k);
    testSet = gather(test, testDecoded, test.files.map((_, i) => i), bpi, k);
  } else {
    // The split is made on the listing, before decoding, so which files are unreadable does not move it.
    const split = seededSplit(train.files, k, opts.seed ?? 0);
    trainSet = gather(train, trainDecoded, split.train, bpi, k);
    testSet = gather(train, trainDecoded, split.test, bpi, k);
  }
  return {
    name: 'imagefolder',
    height: size,
    width: size,
    channels: 3,
    numClasses: k,
    classNames: train.classNames,
    train: trainSet,
    test: testSet,
    warnings,
  };
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
  const perClass = new Array<number>(names.length).fill(0);
  for (const f of train.files) perClass[f.label]++;
  const testCount = perClass.reduce((a, n) => a + testCountOf(n), 0);
  return `ImageFolder: ${train.files.length - testCount} training and ${testCount} test images of ${classes} in ${train.dir} ` +
    `(a seeded 10 % per-class test split; PNG/JPEG files, unreadable ones are skipped when loading)${tail}`;
}
