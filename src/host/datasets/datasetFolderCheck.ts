/**
 * Host-side check that a folder holds a dataset the trainer can read, done before launch so a wrong
 * folder is reported in the start flow instead of as a failed run. It only lists and stats files and reads a
 * few header bytes (cheap, no TensorFlow.js, no image decoding). The trainer's readers (src/trainer/data) do
 * the full check; the two agree on file names and record sizes, and accept a folder or the folder it was
 * extracted into. An image folder is listed by the trainer's own rules (src/datasetFiles/imageFolderScan.ts, shared
 * because the host never imports src/trainer). The counts it finds feed the data-size checks of dataSizeCheck.ts.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { DatasetKind } from '../../shared/protocol';
import {
  classDifference, fileBudget, MAX_FOLDER_FILES, scanImageFolder, TEST_FRACTION, testCountOf, type FileBudget, type FolderListing,
} from '../../datasetFiles/imageFolderScan';

/** Images in the training and test splits, where the check can tell them from names, headers and sizes. */
export interface SplitCounts {
  train: number;
  test: number;
}

export type FolderCheck =
  | {
      ok: true;
      /** The folder that really holds the files (may be a child of the one given). */
      folder: string;
      summary: string;
      /** Undefined where the check cannot count without reading everything. */
      counts?: SplitCounts;
      /** imagefolder: the class names (sorted sub-folder names holding images). */
      classes?: string[];
    }
  | { ok: false; problem: string };

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    const st = await fs.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------- IDX (MNIST, Fashion-MNIST, …)

const IDX_FILES = [
  { base: 'train-images-idx3-ubyte', magic: 0x803, what: 'training images' },
  { base: 'train-labels-idx1-ubyte', magic: 0x801, what: 'training labels' },
  { base: 't10k-images-idx3-ubyte', magic: 0x803, what: 'test images' },
  { base: 't10k-labels-idx1-ubyte', magic: 0x801, what: 'test labels' },
] as const;

const IDX_HINT = 'Put the four MNIST-style IDX files (optionally .gz) directly in the folder you pick.';

/** Names a file may go by: the standard one, the dotted variant some mirrors use, each maybe .gz. */
function idxCandidates(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

/** The first bytes of a gzip stream from its first compressed bytes; undefined when they do not inflate. */
function gunzipStart(compressed: Buffer): Buffer | undefined {
  try {
    return zlib.gunzipSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, 16);
  } catch {
    return undefined;
  }
}

async function checkIdx(dir: string): Promise<FolderCheck> {
  const counts: number[] = [];
  let gzipped = false;
  let shape = '';
  for (const f of IDX_FILES) {
    let found: string | undefined;
    for (const name of idxCandidates(f.base)) {
      if ((await sizeOf(path.join(dir, name))) !== undefined) {
        found = path.join(dir, name);
        break;
      }
    }
    if (!found) {
      return { ok: false, problem: `${dir} has no ${f.what} file: expected ${idxCandidates(f.base).join(' or ')}. ${IDX_HINT}` };
    }
    let head = await firstBytes(found, 16);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      // The header is inside the gzip stream: inflate only the start of it.
      const inflated = gunzipStart(await firstBytes(found, 4096));
      if (!inflated) {
        gzipped = true; // Unreadable here; the trainer checks it when it unpacks.
        continue;
      }
      head = inflated;
    }
    if (head.length < 8 || head.readUInt32BE(0) !== f.magic) {
      const got = head.length >= 4 ? `0x${head.readUInt32BE(0).toString(16).padStart(8, '0')}` : `${head.length} bytes`;
      return {
        ok: false,
        problem: `${found} is not an IDX ${f.what} file: its header should start with 0x${f.magic.toString(16).padStart(8, '0')}, found ${got}. ${IDX_HINT}`,
      };
    }
    counts.push(head.readUInt32BE(4));
    if (f.magic === 0x803 && head.length >= 16) shape = ` of ${head.readUInt32BE(8)}×${head.readUInt32BE(12)}`;
  }
  if (!gzipped) {
    const [trainImages, trainLabels, testImages, testLabels] = counts;
    if (trainImages !== trainLabels || testImages !== testLabels) {
      return {
        ok: false,
        problem: `${dir}: the image and label files disagree (${trainImages} training images but ${trainLabels} labels, ${testImages} test images but ${testLabels} labels); they must come from the same dataset. ${IDX_HINT}`,
      };
    }
    return { ok: true, folder: dir, summary: `IDX: ${trainImages} training and ${testImages} test images${shape}`, counts: { train: trainImages, test: testImages } };
  }
  return { ok: true, folder: dir, summary: 'IDX (gzip-compressed): four files found' };
}

// ---------------------------------------------------------------- fixed-size record formats

interface RecordFile {
  name: string;
  recordBytes: number;
  /** Records in the official file, quoted so the user sees the expected size. */
  standardRecords: number;
}

interface RecordFormat {
  label: string;
  /** The folder the official archive extracts to. */
  folder: string;
  train: RecordFile[];
  test: RecordFile[];
  hint: string;
}

const CIFAR10: RecordFormat = {
  label: 'CIFAR-10',
  folder: 'cifar-10-batches-bin',
  train: [1, 2, 3, 4, 5].map((i) => ({ name: `data_batch_${i}.bin`, recordBytes: 3073, standardRecords: 10000 })),
  test: [{ name: 'test_batch.bin', recordBytes: 3073, standardRecords: 10000 }],
  hint: 'Download the CIFAR-10 binary version (cifar-10-binary.tar.gz), extract it, and pick cifar-10-batches-bin or the folder that contains it.',
};

const CIFAR100: RecordFormat = {
  label: 'CIFAR-100',
  folder: 'cifar-100-binary',
  train: [{ name: 'train.bin', recordBytes: 3074, standardRecords: 50000 }],
  test: [{ name: 'test.bin', recordBytes: 3074, standardRecords: 10000 }],
  hint: 'Download the CIFAR-100 binary version (cifar-100-binary.tar.gz), extract it, and pick cifar-100-binary or the folder that contains it.',
};

const STL_PIXELS = 96 * 96 * 3;
const STL10: RecordFormat = {
  label: 'STL-10',
  folder: 'stl10_binary',
  train: [
    { name: 'train_X.bin', recordBytes: STL_PIXELS, standardRecords: 5000 },
    { name: 'train_y.bin', recordBytes: 1, standardRecords: 5000 },
  ],
  test: [
    { name: 'test_X.bin', recordBytes: STL_PIXELS, standardRecords: 8000 },
    { name: 'test_y.bin', recordBytes: 1, standardRecords: 8000 },
  ],
  hint: 'Download the STL-10 binary version (stl10_binary.tar.gz), extract it, and pick stl10_binary or the folder that contains it.',
};

/** `dir` itself when it holds the first file, else its child named like the official archive's folder. */
async function locate(dir: string, format: RecordFormat): Promise<string | undefined> {
  const marker = format.train[0].name;
  for (const candidate of [dir, path.join(dir, format.folder)]) {
    if ((await sizeOf(path.join(candidate, marker))) !== undefined) return candidate;
  }
  return undefined;
}

/** Counts records of one file, or explains why its size is wrong. */
function records(file: string, size: number | undefined, f: RecordFile, format: RecordFormat): number | string {
  const official = `${f.standardRecords * f.recordBytes} bytes (${f.standardRecords} records of ${f.recordBytes} bytes)`;
  if (size === undefined) return `${file} is missing (the official file has ${official}). ${format.hint}`;
  if (size === 0 || size % f.recordBytes !== 0) {
    return `${file} has ${size} bytes, which is not a whole number of ${f.recordBytes}-byte records (the official file has ${official}): it is truncated or not ${format.label}. ${format.hint}`;
  }
  return size / f.recordBytes;
}

async function checkRecordFormat(dir: string, format: RecordFormat): Promise<FolderCheck> {
  const folder = await locate(dir, format);
  if (!folder) {
    return { ok: false, problem: `cannot find ${format.train[0].name} in ${dir} or in ${path.join(dir, format.folder)}. ${format.hint}` };
  }
  const totals: number[] = [];
  for (const split of [format.train, format.test]) {
    const counts: number[] = [];
    for (const f of split) {
      const file = path.join(folder, f.name);
      const n = records(file, await sizeOf(file), f, format);
      if (typeof n === 'string') return { ok: false, problem: n };
      counts.push(n);
    }
    // STL-10 keeps images and labels apart: they must pair up one to one.
    if (format === STL10 && counts[0] !== counts[1]) {
      return {
        ok: false,
        problem: `${path.join(folder, split[0].name)} holds ${counts[0]} images but ${path.join(folder, split[1].name)} holds ${counts[1]} labels; they must match. ${format.hint}`,
      };
    }
    totals.push(format === STL10 ? counts[0] : counts.reduce((a, b) => a + b, 0));
  }
  return { ok: true, folder, summary: `${format.label}: ${totals[0]} training and ${totals[1]} test images`, counts: { train: totals[0], test: totals[1] } };
}

// ---------------------------------------------------------------- CIFAR in torchvision's Python layout

/**
 * torchvision's `cifar-10-batches-py/` and `cifar-100-python/`: one pickle per batch whose 'data' is N×3072 uint8
 * pixels, next to labels and file names (src/trainer/data/cifarPython.ts reads them). Without parsing, a batch's
 * size says whether it is the official file: its pixels alone take N × 3072 bytes, and the labels, file names
 * and pickle framing add a few dozen bytes per image (about 1 %), never PICKLE_OVERHEAD_MAX.
 */
interface PythonFormat {
  label: string;
  folder: string;
  train: { name: string; images: number }[];
  test: { name: string; images: number };
  metaFile: string;
  hint: string;
}

const PYTHON_PIXELS = 3 * 32 * 32;
/** Bytes per image beyond its pixels that an official batch stays under (it has ~32). */
const PICKLE_OVERHEAD_MAX = 256;

const CIFAR10_PY: PythonFormat = {
  label: 'CIFAR-10',
  folder: 'cifar-10-batches-py',
  train: [1, 2, 3, 4, 5].map((i) => ({ name: `data_batch_${i}`, images: 10000 })),
  test: { name: 'test_batch', images: 10000 },
  metaFile: 'batches.meta',
  hint: 'Re-download CIFAR-10 (torchvision.datasets.CIFAR10(download=True) or cifar-10-python.tar.gz), extract it, and pick cifar-10-batches-py or the folder that contains it.',
};

const CIFAR100_PY: PythonFormat = {
  label: 'CIFAR-100',
  folder: 'cifar-100-python',
  train: [{ name: 'train', images: 50000 }],
  test: { name: 'test', images: 10000 },
  metaFile: 'meta',
  hint: 'Re-download CIFAR-100 (torchvision.datasets.CIFAR100(download=True) or cifar-100-python.tar.gz), extract it, and pick cifar-100-python or the folder that contains it.',
};

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The folder holding the Python layout, found by its test batch as the trainer does; undefined if neither. */
async function locatePython(dir: string, format: PythonFormat): Promise<string | undefined> {
  for (const candidate of [dir, path.join(dir, format.folder)]) {
    if ((await sizeOf(path.join(candidate, format.test.name))) !== undefined) return candidate;
  }
  return undefined;
}

async function checkPythonFormat(folder: string, format: PythonFormat): Promise<FolderCheck> {
  const files = [...format.train, format.test];
  const missing: string[] = [];
  for (const f of files) if ((await sizeOf(path.join(folder, f.name))) === undefined) missing.push(f.name);
  if (missing.length) {
    return { ok: false, problem: `${folder} lacks ${missing.join(', ')} of ${format.label}'s Python version (expected ${files.map((f) => f.name).join(', ')}). ${format.hint}` };
  }
  for (const f of files) {
    const file = path.join(folder, f.name);
    const size = (await sizeOf(file)) as number;
    const least = f.images * PYTHON_PIXELS;
    const most = f.images * (PYTHON_PIXELS + PICKLE_OVERHEAD_MAX);
    if (size < least || size > most) {
      const why = size < least ? `less than the ${least} bytes of pixels its ${f.images} images take: it is truncated` : 'far more than the official file: it is not';
      return { ok: false, problem: `${file} has ${size} bytes, ${why} ${format.label}'s (the official file is about ${mb(least * 1.01)}). ${format.hint}` };
    }
  }
  const train = format.train.reduce((a, f) => a + f.images, 0);
  const test = format.test.images;
  const names = (await sizeOf(path.join(folder, format.metaFile))) !== undefined ? ', with class names' : '';
  return { ok: true, folder, summary: `${format.label} (Python version): ${train} training and ${test} test images${names}`, counts: { train, test } };
}

/** CIFAR in either layout: the binary one when its files are there (as the trainer prefers), else the Python one. */
async function checkCifar(dir: string, binary: RecordFormat, python: PythonFormat): Promise<FolderCheck> {
  if (await locate(dir, binary)) return checkRecordFormat(dir, binary);
  const folder = await locatePython(dir, python);
  if (folder) return checkPythonFormat(folder, python);
  return {
    ok: false,
    problem: `cannot find ${binary.train[0].name} (binary version) in ${dir} or in ${path.join(dir, binary.folder)}, nor ${python.test.name} (torchvision's Python version) in ${dir} or in ${path.join(dir, python.folder)}: pick the extracted folder or the folder that contains it.`,
  };
}

// ---------------------------------------------------------------- image folder (torchvision's ImageFolder)

// The listing rules and the split's counts are the trainer's own (src/datasetFiles/imageFolderScan.ts); only the
// wording below is the host's.

/** The scan stops after this many files: a folder this large is almost surely the wrong one (a home folder, a disk root). */
export const IMAGE_FOLDER_MAX_FILES = MAX_FOLDER_FILES;

const imageFolderHint = (dir: string): string =>
  `Put one sub-folder per class with .png/.jpg/.jpeg images in each (${path.join(dir, 'cat', '1.png')}, ${path.join(dir, 'dog', '2.jpg')}), as torchvision's ImageFolder reads them.`;

/** The classes of one image tree with their image counts, or the one-line problem with it. */
async function readImageTree(dir: string, role: string, budget: FileBudget): Promise<FolderListing | string> {
  const scan = await scanImageFolder(dir, { budget, files: false });
  if (scan.ok) return scan.listing;
  const p = scan.problem;
  switch (p.kind) {
    case 'unreadable':
      return `${role} ${dir} cannot be read (${p.message}): pick a folder you can read.`;
    case 'tooManyFiles':
      return `${role} ${dir} holds more than ${p.max} files (the check stopped there): pick the folder whose sub-folders are the classes, or split the data.`;
    case 'noClasses':
      return `${role} ${dir} has no class sub-folders. ${imageFolderHint(dir)}`;
    case 'noImages': {
      const k = p.classNames.length;
      return `${role} ${dir} has no .png/.jpg/.jpeg images in its ${k} class ${k === 1 ? 'folder' : 'folders'}. ${imageFolderHint(dir)}`;
    }
    case 'emptyClasses': {
      const many = p.names.length > 1;
      return `class ${many ? 'folders' : 'folder'} ${listed(p.names.map((n) => `"${n}"`))} in ${dir} ${many ? 'hold' : 'holds'} no .png/.jpg/.jpeg images: add images or remove ${many ? 'them' : 'it'}.`;
    }
  }
}

const total = (l: FolderListing): number => l.perClass.reduce((a, b) => a + b, 0);
const listed = (names: string[]): string => (names.length > 5 ? `${names.slice(0, 5).join(', ')}, … (${names.length} in all)` : names.join(', '));
const classWord = (k: number): string => `${k} ${k === 1 ? 'class' : 'classes'}`;

async function checkImageFolder(dir: string, testDir: string | undefined, maxFiles: number): Promise<FolderCheck> {
  const budget = fileBudget(maxFiles);
  const train = await readImageTree(dir, 'the image folder', budget);
  if (typeof train === 'string') return { ok: false, problem: train };
  const classes = train.classNames;
  const images = total(train);
  if (testDir === undefined) {
    const test = train.perClass.reduce((a, n) => a + testCountOf(n), 0);
    return {
      ok: true,
      folder: dir,
      summary: `image folder: ${classWord(classes.length)}, ${images} images (${images - test} training and ${test} test images: a seeded ${TEST_FRACTION * 100} % split per class)`,
      counts: { train: images - test, test },
      classes,
    };
  }
  try {
    if (!(await fs.stat(testDir)).isDirectory()) return { ok: false, problem: `the test folder ${testDir} is a file, not a folder: pick the folder whose sub-folders are the classes, or fix "testDir".` };
  } catch {
    return { ok: false, problem: `the test folder ${testDir} does not exist: pick an existing folder or fix "testDir".` };
  }
  const test = await readImageTree(testDir, 'the test folder', budget);
  if (typeof test === 'string') return { ok: false, problem: test };
  const { onlyTrain, onlyTest } = classDifference(classes, test.classNames);
  if (onlyTrain.length || onlyTest.length) {
    const quoted = (names: string[]): string => listed(names.map((c) => `"${c}"`));
    const parts = [onlyTrain.length ? `only in ${dir}: ${quoted(onlyTrain)}` : '', onlyTest.length ? `only in ${testDir}: ${quoted(onlyTest)}` : ''].filter(Boolean);
    return { ok: false, problem: `the test folder's classes differ from the image folder's (${parts.join('; ')}): give both the same class sub-folders.` };
  }
  const testImages = total(test);
  return {
    ok: true,
    folder: dir,
    summary: `image folder: ${classWord(classes.length)}, ${images} images (${images} training and ${testImages} test images, from ${testDir})`,
    counts: { train: images, test: testImages },
    classes,
  };
}

// ----------------------------------------------------------------

/** Images the built-in sets hold; the trainer's readers state the same (tests compare them). */
export const MNIST_COUNTS: SplitCounts = { train: 60000, test: 10000 };

/**
 * Checks that `dir` holds a dataset of `kind` (and, for imagefolder, that `testDir`, when given, holds the same
 * classes). MNIST and the synthetic set need no folder and pass. The message of a failed check is one line naming
 * the file or folder, what was expected and how to get it.
 */
export async function checkDatasetFolder(
  kind: DatasetKind,
  dir: string | undefined,
  options: { testDir?: string; /** imagefolder: files scanned at most (tests lower it). */ maxFiles?: number } = {},
): Promise<FolderCheck> {
  if (kind === 'mnist') return { ok: true, folder: dir ?? '', summary: 'MNIST (bundled with the extension)', counts: MNIST_COUNTS };
  if (kind === 'synthetic') return { ok: true, folder: dir ?? '', summary: 'synthetic images generated by the trainer' };
  if (!dir) return { ok: false, problem: `dataset "${kind}" is read from a folder, but no folder was given: pick the folder that holds its files.` };
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) return { ok: false, problem: `${dir} is a file, not a folder: pick the folder that holds the ${kind} files.` };
  } catch {
    return { ok: false, problem: `the data folder ${dir} does not exist: pick an existing folder or fix "dataDir".` };
  }
  switch (kind) {
    case 'idx':
      return checkIdx(dir);
    case 'cifar10':
      return checkCifar(dir, CIFAR10, CIFAR10_PY);
    case 'cifar100':
      return checkCifar(dir, CIFAR100, CIFAR100_PY);
    case 'stl10':
      return checkRecordFormat(dir, STL10);
    case 'imagefolder':
      return checkImageFolder(dir, options.testDir, options.maxFiles ?? IMAGE_FOLDER_MAX_FILES);
  }
}
