/**
 * Readers for the "binary version" of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * Both are flat files of fixed-size records: label byte(s) then 3072 pixel bytes stored channel-major
 * (1024 red, 1024 green, 1024 blue, each 32×32 row-major). We convert to HWC, the one layout the trainer
 * uses. CIFAR-100 records carry a coarse (20-class) and a fine (100-class) label; we use the fine one,
 * the standard benchmark. torchvision's Python-pickle versions (cifar-10-batches-py/, cifar-100-python/) are read
 * by cifarPython.ts; the layout is detected from the folder (binary first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, ImageSet } from './types';
import { checkLabels, fileSize, missingFilesError, readClassNames, recordCount, resolveDatasetFolder } from './files';
import {
  CIFAR100_PY, CIFAR10_PY, countCifarPython, findCifarPythonFolder, readCifarPythonNames, readCifarPythonSplit,
  type CifarPythonFormat,
} from './cifarPython';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

interface CifarFormat {
  name: string;
  /** Folder name inside the official archive. */
  folder: string;
  train: readonly string[];
  test: string;
  /** Bytes before the pixels; the label we use is the last of them. */
  labelBytes: number;
  numClasses: number;
  /** Records in each official file, quoted in size errors. */
  recordsPerTrainFile: number;
  classNamesFile: string;
  hint: string;
  /** torchvision's Python layout of the same dataset. */
  python: CifarPythonFormat;
}

const CIFAR10: CifarFormat = {
  name: 'cifar10',
  folder: 'cifar-10-batches-bin',
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: 'test_batch.bin',
  labelBytes: 1,
  numClasses: 10,
  recordsPerTrainFile: 10000,
  classNamesFile: 'batches.meta.txt',
  hint: 'Re-download the CIFAR-10 binary version (cifar-10-binary.tar.gz) and extract it again.',
  python: CIFAR10_PY,
};

const CIFAR100: CifarFormat = {
  name: 'cifar100',
  folder: 'cifar-100-binary',
  train: ['train.bin'],
  test: 'test.bin',
  labelBytes: 2,
  numClasses: 100,
  recordsPerTrainFile: 50000,
  classNamesFile: 'fine_label_names.txt',
  hint: 'Re-download the CIFAR-100 binary version (cifar-100-binary.tar.gz) and extract it again.',
  python: CIFAR100_PY,
};

const TEST_RECORDS = 10000;

const recordBytes = (f: CifarFormat): number => f.labelBytes + PIXELS;

/** Validates the sizes of a split's files and returns their record counts (stat only, no reading). */
function splitCounts(dir: string, f: CifarFormat, files: readonly string[], standard: number): number[] {
  const sizes = files.map((name) => fileSize(path.join(dir, name)));
  const missing = files.filter((_, k) => sizes[k] === undefined);
  if (missing.length) throw missingFilesError(dir, missing, f.hint);
  return files.map((name, k) => recordCount(path.join(dir, name), sizes[k] as number, recordBytes(f), standard, f.hint));
}

/** Copies one CHW image at `src[from]` into HWC order at `dst[to]`. */
export function chwToHwc(src: Uint8Array, from: number, dst: Uint8Array, to: number, planeSize: number): void {
  const g = from + planeSize;
  const b = g + planeSize;
  for (let p = 0; p < planeSize; p++) {
    const o = to + 3 * p;
    dst[o] = src[from + p];
    dst[o + 1] = src[g + p];
    dst[o + 2] = src[b + p];
  }
}

/** Reads a split's files (counts already checked) into one HWC ImageSet. */
function readSplit(dir: string, f: CifarFormat, files: readonly string[], counts: number[]): ImageSet {
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let index = 0;
  files.forEach((name, k) => {
    const file = path.join(dir, name);
    const buf = fs.readFileSync(file);
    if (buf.length !== counts[k] * recordBytes(f)) {
      throw new Error(`${file} changed size while being read (expected ${counts[k] * recordBytes(f)} bytes, ` +
        `found ${buf.length}). ${f.hint}`);
    }
    const first = index;
    for (let r = 0; r < counts[k]; r++, index++) {
      const at = r * recordBytes(f);
      labels[index] = buf[at + f.labelBytes - 1];
      chwToHwc(buf, at + f.labelBytes, images, index * PIXELS, PLANE);
    }
    checkLabels(file, labels.subarray(first, index), f.numClasses, f.hint);
  });
  return { images, labels, count };
}

/** Which layout `dataDir` holds: the binary one when its files are there, else the Python one, else an error naming both. */
function detectLayout(dataDir: string, f: CifarFormat): { layout: 'binary' | 'python'; dir: string } {
  const binary = [dataDir, path.join(dataDir, f.folder)].find((d) => fileSize(path.join(d, f.test)) !== undefined);
  if (binary) return { layout: 'binary', dir: binary };
  const python = findCifarPythonFolder(dataDir, f.python);
  if (python) return { layout: 'python', dir: python };
  throw new Error(`cannot find ${f.test} in ${dataDir} or in ${path.join(dataDir, f.folder)} (binary version), nor ` +
    `${f.python.test} in ${dataDir} or in ${path.join(dataDir, f.python.folder)} (torchvision's Python version): point ` +
    `--data-dir at the extracted folder or the folder that contains it. ${f.hint}`);
}

function pythonMeta(dir: string, f: CifarFormat): Omit<Dataset, 'train' | 'test'> {
  return { name: f.name, height: SIDE, width: SIDE, channels: 3, numClasses: f.numClasses, classNames: readCifarPythonNames(dir, f.python) };
}

function loadCifar(dataDir: string, f: CifarFormat): Dataset {
  const found = detectLayout(dataDir, f);
  if (found.layout === 'python') {
    return {
      ...pythonMeta(found.dir, f),
      train: readCifarPythonSplit(found.dir, f.python.train, f.python, chwToHwc),
      test: readCifarPythonSplit(found.dir, [f.python.test], f.python, chwToHwc),
    };
  }
  const dir = resolveDatasetFolder(found.dir, f.folder, f.test, f.hint);
  // Stat every file first so a missing or truncated batch fails before seconds of reading.
  const trainCounts = splitCounts(dir, f, f.train, f.recordsPerTrainFile);
  const testCounts = splitCounts(dir, f, [f.test], TEST_RECORDS);
  return {
    name: f.name,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: f.numClasses,
    classNames: readClassNames(path.join(dir, f.classNamesFile), f.numClasses),
    train: readSplit(dir, f, f.train, trainCounts),
    test: readSplit(dir, f, [f.test], testCounts),
  };
}

/** Image counts and shape of a CIFAR folder in either layout, without copying pixels (the pre-flight check's inspect). */
export function inspectCifar(dataDir: string, kind: 'cifar10' | 'cifar100'): { layout: 'binary' | 'python'; dir: string; train: number; test: number } {
  const f = kind === 'cifar10' ? CIFAR10 : CIFAR100;
  const found = detectLayout(dataDir, f);
  if (found.layout === 'python') return { ...found, ...countCifarPython(found.dir, f.python) };
  const train = splitCounts(found.dir, f, f.train, f.recordsPerTrainFile).reduce((a, b) => a + b, 0);
  return { ...found, train, test: splitCounts(found.dir, f, [f.test], TEST_RECORDS)[0] };
}

function describeCifar(dataDir: string, f: CifarFormat): string {
  const found = detectLayout(dataDir, f);
  if (found.layout === 'python') {
    const { train, test } = countCifarPython(found.dir, f.python);
    const names = readCifarPythonNames(found.dir, f.python) ? ', with class names' : '';
    return `${f.name === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} (Python version): ${train} training and ${test} test images of ` +
      `32×32×3, ${f.numClasses} classes${names}, in ${found.dir}`;
  }
  const dir = found.dir;
  const train = splitCounts(dir, f, f.train, f.recordsPerTrainFile).reduce((a, b) => a + b, 0);
  const test = splitCounts(dir, f, [f.test], TEST_RECORDS)[0];
  const names = readClassNames(path.join(dir, f.classNamesFile), f.numClasses) ? ', with class names' : '';
  return `${f.name === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'}: ${train} training and ${test} test images of ` +
    `32×32×3, ${f.numClasses} classes${names}, in ${dir}`;
}

/** CIFAR-10, binary or Python layout; `dataDir` is `cifar-10-batches-bin/`, `cifar-10-batches-py/` or the folder holding it. */
export const loadCifar10 = (dataDir: string): Dataset => loadCifar(dataDir, CIFAR10);
/** CIFAR-100 (binary or Python layout) with its fine labels; `dataDir` is `cifar-100-binary/`, `cifar-100-python/` or the folder holding it. */
export const loadCifar100 = (dataDir: string): Dataset => loadCifar(dataDir, CIFAR100);
/** Checks a CIFAR-10 folder by file sizes only; returns a summary or throws. */
export const describeCifar10 = (dataDir: string): string => describeCifar(dataDir, CIFAR10);
/** Checks a CIFAR-100 folder by file sizes only; returns a summary or throws. */
export const describeCifar100 = (dataDir: string): string => describeCifar(dataDir, CIFAR100);
