/**
 * Entry point of the dataset readers: one call from a run config's dataset fields to a Dataset.
 *
 * Plain Node only (no TensorFlow.js): the CLI's preflight (dataPreflight.ts) calls describeDatasetDir to check a
 * folder before a run folder is written. The extension host never imports this file; it runs its own check
 * (src/host/datasets/datasetFolderCheck.ts), which lists an image folder with the same module as the reader here
 * (src/datasetFiles/imageFolderScan.ts), so both count the same images.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetKind, EncoderKind, RunConfig } from '../../shared/protocol';
import type { Dataset, ImageSet } from './types';
import { imageBytes } from './types';
import { requireDataDir } from './files';
import { describeIdxFolder, loadIdxFolder } from './idx';
import { describeMnist, loadMnist } from './mnist';
import { describeCifar10, describeCifar100, loadCifar10, loadCifar100 } from './cifar';
import { describeStl10, loadStl10 } from './stl10';
import { describeImageFolder, loadImageFolder } from './imageFolder';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS, syntheticShapeFor } from './synthetic';

export type { Dataset, ImageSet } from './types';

export interface LoadDatasetOptions {
  dataset: DatasetKind;
  /** Folder holding the files; required for idx, cifar10, cifar100 and stl10, ignored otherwise. */
  dataDir?: string;
  /** Keep only the first N training images (and, for STL-10, the first N unlabeled ones); 0 = all. */
  subset?: number;
  /** Keep only the first N test images; 0 = all. */
  testSubset?: number;
  /** Seed of the synthetic dataset (the only random one). */
  seed?: number;
  /** The encoder the data is for: the synthetic dataset takes the shape of that encoder's usual data (syntheticShapeFor). */
  encoder?: EncoderKind;
  /** Load STL-10's unlabeled split as Dataset.unlabeled; the other datasets have none and ignore this. */
  unlabeled?: boolean;
  /** imagefolder: a second class-per-sub-folder tree for the test split (otherwise a seeded split of dataDir). */
  testDir?: string;
  /** imagefolder: the side every image is resized to. */
  imageSize?: number;
  /** imagefolder: where decoded images are cached; default from the environment (imageFolderCache.ts), null = none. */
  cacheDir?: string | null;
}

/** The dataset a run config names: every caller (training, linear evaluation, NPC profiles) reads the same one. */
export function datasetOptionsOf(config: RunConfig): LoadDatasetOptions {
  return {
    dataset: config.dataset,
    dataDir: config.dataDir,
    subset: config.subset,
    testSubset: config.testSubset,
    seed: config.seed,
    unlabeled: config.useUnlabeled,
    encoder: config.encoder,
    testDir: config.testDir,
    imageSize: config.imageSize,
  };
}

/** What --data-dir must point at, per kind that needs a folder; quoted in errors. */
const NEEDS_DIR: Partial<Record<DatasetKind, string>> = {
  idx: 'the folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and ' +
    't10k-labels-idx1-ubyte (each optionally .gz)',
  cifar10: 'the cifar-10-batches-bin folder (CIFAR-10 binary version), the cifar-10-batches-py folder (torchvision) or the folder containing it',
  cifar100: 'the cifar-100-binary folder (CIFAR-100 binary version), the cifar-100-python folder (torchvision) or the folder containing it',
  stl10: 'the stl10_binary folder (STL-10 binary version) or the folder containing it',
  imagefolder: 'a folder with one sub-folder per class of .png/.jpg/.jpeg images (torchvision ImageFolder layout)',
};

/** Whether a dataset kind reads its files from a user-given folder. */
export function datasetNeedsDir(kind: DatasetKind): boolean {
  return NEEDS_DIR[kind] !== undefined;
}

function checkCount(name: string, n: number | undefined): number {
  const v = n ?? 0;
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number ≥ 0 (0 = all), got ${n}`);
  return v;
}

/** The first `n` images of a set as views (no copy); the whole set when n is 0 or at least its size. */
export function takeFirst(set: ImageSet, n: number, bytesPerImage: number): ImageSet {
  if (n <= 0 || n >= set.count) return set;
  return { images: set.images.subarray(0, n * bytesPerImage), labels: set.labels.subarray(0, n), count: n };
}

function readKind(opts: LoadDatasetOptions, subset: number, testSubset: number): Dataset {
  const kind = opts.dataset;
  switch (kind) {
    case 'mnist':
      return loadMnist();
    case 'synthetic':
      // Generate only what will be kept: the generator is prefix-stable, so this equals slicing.
      return makeSyntheticDataset({
        ...syntheticShapeFor(opts.encoder),
        seed: opts.seed,
        trainCount: subset || SYNTHETIC_DEFAULTS.trainCount,
        testCount: testSubset || SYNTHETIC_DEFAULTS.testCount,
      });
    case 'idx': {
      const dir = requireDataDir(kind, opts.dataDir, NEEDS_DIR.idx as string);
      return loadIdxFolder(dir, 'idx');
    }
    case 'cifar10':
      return loadCifar10(requireDataDir(kind, opts.dataDir, NEEDS_DIR.cifar10 as string));
    case 'cifar100':
      return loadCifar100(requireDataDir(kind, opts.dataDir, NEEDS_DIR.cifar100 as string));
    case 'stl10':
      // The subset is passed down so a small run does not read all 2.7 GB of unlabeled images.
      return loadStl10(requireDataDir(kind, opts.dataDir, NEEDS_DIR.stl10 as string),
        { unlabeled: opts.unlabeled ?? false, unlabeledLimit: subset });
    case 'imagefolder':
      return loadImageFolder({
        dataDir: requireDataDir(kind, opts.dataDir, NEEDS_DIR.imagefolder as string),
        testDir: opts.testDir === undefined ? undefined : requireTestDir(opts.testDir),
        imageSize: opts.imageSize,
        seed: opts.seed,
        cacheDir: opts.cacheDir,
        subset,
        testSubset,
      });
    default:
      return unknownKind(kind);
  }
}

/** imagefolder's --test-dir: an existing folder, named in the error as --test-dir. */
function requireTestDir(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`test folder ${abs} does not exist: pass --test-dir DIR pointing at ${NEEDS_DIR.imagefolder as string}, or leave it out for a seeded split`);
  if (!fs.statSync(abs).isDirectory()) throw new Error(`test folder ${abs} is a file, not a folder: pass --test-dir DIR pointing at ${NEEDS_DIR.imagefolder as string}`);
  return abs;
}

function unknownKind(kind: never): never {
  throw new Error(`unknown dataset '${String(kind)}'`);
}

/** Loads a dataset and applies `subset` / `testSubset`. */
export function loadDataset(opts: LoadDatasetOptions): Dataset {
  const subset = checkCount('subset', opts.subset);
  const testSubset = checkCount('testSubset', opts.testSubset);
  const ds = readKind(opts, subset, testSubset);
  const bytes = imageBytes(ds);
  return {
    ...ds,
    train: takeFirst(ds.train, subset, bytes),
    test: takeFirst(ds.test, testSubset, bytes),
    unlabeled: ds.unlabeled && takeFirst(ds.unlabeled, subset, bytes),
  };
}

export type DatasetDirCheck = { ok: true; summary: string } | { ok: false; problem: string };

/** What describeDatasetDir needs: the kind, its folder(s), and the seed of imagefolder's split. */
export type DescribeDatasetOptions = Pick<LoadDatasetOptions, 'dataset' | 'dataDir' | 'testDir' | 'seed'>;

function describeKind(opts: DescribeDatasetOptions): string {
  const kind = opts.dataset;
  const dir = opts.dataDir;
  switch (kind) {
    case 'mnist':
      return describeMnist();
    case 'synthetic':
      return `synthetic: generated on the fly (${SYNTHETIC_DEFAULTS.numClasses} classes, ` +
        `${SYNTHETIC_DEFAULTS.height}×${SYNTHETIC_DEFAULTS.width}×${SYNTHETIC_DEFAULTS.channels}; 32×32×3 for resnet18), no folder needed`;
    case 'idx':
      return describeIdxFolder(requireDataDir(kind, dir, NEEDS_DIR.idx as string));
    case 'cifar10':
      return describeCifar10(requireDataDir(kind, dir, NEEDS_DIR.cifar10 as string));
    case 'cifar100':
      return describeCifar100(requireDataDir(kind, dir, NEEDS_DIR.cifar100 as string));
    case 'stl10':
      return describeStl10(requireDataDir(kind, dir, NEEDS_DIR.stl10 as string));
    case 'imagefolder':
      return describeImageFolder({
        dataDir: requireDataDir(kind, dir, NEEDS_DIR.imagefolder as string),
        testDir: opts.testDir === undefined ? undefined : requireTestDir(opts.testDir),
        seed: opts.seed,
      });
    default:
      return unknownKind(kind);
  }
}

/**
 * Checks that `dir` holds a supported copy of `kind` from file names, sizes and headers only (no full
 * read), for the extension host to vet a picked folder before launch. Never throws.
 */
export function describeDatasetDir(opts: DescribeDatasetOptions): DatasetDirCheck;
/** The older form, for kinds with one folder (imagefolder then uses a split with seed 0). */
export function describeDatasetDir(kind: DatasetKind, dir: string | undefined): DatasetDirCheck;
export function describeDatasetDir(a: DescribeDatasetOptions | DatasetKind, dir?: string): DatasetDirCheck {
  const opts: DescribeDatasetOptions = typeof a === 'string' ? { dataset: a, dataDir: dir } : a;
  try {
    return { ok: true, summary: describeKind(opts) };
  } catch (e) {
    return { ok: false, problem: (e as Error).message };
  }
}
