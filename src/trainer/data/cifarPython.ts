/**
 * Readers for torchvision's "Python version" of CIFAR-10 and CIFAR-100 (`cifar-10-batches-py/`,
 * `cifar-100-python/`): pickled dicts whose 'data' is a uint8 numpy array of N×3072 channel-major rows
 * (the same pixel order as the binary version) and whose labels are a list of ints ('labels', or
 * 'fine_labels' for CIFAR-100). The pickles go through pickle.ts, which builds data and executes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageSet } from './types';
import { asDict, asText, describe, readPickle, type NdArray, type PickleValue } from './pickle';
import { fileSize, missingFilesError } from './files';

const PIXELS = 3 * 32 * 32;

export interface CifarPythonFormat {
  /** Folder name inside torchvision's archive. */
  folder: string;
  train: readonly string[];
  test: string;
  /** The dict key of the labels we use (CIFAR-100: the fine, 100-class ones). */
  labelKey: string;
  /** Optional metadata pickle and its key of class names (cosmetic). */
  metaFile: string;
  namesKey: string;
  numClasses: number;
  hint: string;
}

export const CIFAR10_PY: CifarPythonFormat = {
  folder: 'cifar-10-batches-py',
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`),
  test: 'test_batch',
  labelKey: 'labels',
  metaFile: 'batches.meta',
  namesKey: 'label_names',
  numClasses: 10,
  hint: 'Re-download CIFAR-10 (torchvision.datasets.CIFAR10(download=True) or cifar-10-python.tar.gz) and extract it again.',
};

export const CIFAR100_PY: CifarPythonFormat = {
  folder: 'cifar-100-python',
  train: ['train'],
  test: 'test',
  labelKey: 'fine_labels',
  metaFile: 'meta',
  namesKey: 'fine_label_names',
  numClasses: 100,
  hint: 'Re-download CIFAR-100 (torchvision.datasets.CIFAR100(download=True) or cifar-100-python.tar.gz) and extract it again.',
};

/** The folder holding the Python layout: `dir` itself or its child named like the archive's folder; undefined if neither. */
export function findCifarPythonFolder(dir: string, f: CifarPythonFormat): string | undefined {
  for (const candidate of [dir, path.join(dir, f.folder)]) {
    if (fileSize(path.join(candidate, f.test)) !== undefined) return candidate;
  }
  return undefined;
}

/** One batch file, parsed and checked: its images (still channel-major rows) and labels. */
export interface CifarPythonBatch {
  data: NdArray;
  labels: Int32Array;
}

/** Reads and checks one batch pickle; every problem is one line naming the file. */
export function readCifarPythonBatch(file: string, f: CifarPythonFormat): CifarPythonBatch {
  const dict = asDict(readPickle(fs.readFileSync(file), file), file);
  const data = dict.get('data');
  const labels = dict.get(f.labelKey);
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}. ${f.hint}`);
  };
  if (!(typeof data === 'object' && data !== null && (data as NdArray).kind === 'ndarray')) {
    return fail(`'data' is ${data === undefined ? 'missing' : `a ${describe(data)}, not a numpy array`}`);
  }
  const nd = data as NdArray;
  if (nd.dtype !== 'u1' || nd.shape.length !== 2 || nd.shape[1] !== PIXELS || nd.fortranOrder) {
    fail(`'data' is a ${nd.fortranOrder ? 'Fortran-order ' : ''}${nd.dtype} array of shape (${nd.shape.join(', ')}), expected uint8 (N, ${PIXELS})`);
  }
  if (!Array.isArray(labels)) fail(`'${f.labelKey}' is ${labels === undefined ? 'missing' : `a ${describe(labels)}, not a list`}`);
  const list = labels as PickleValue[];
  if (list.length !== nd.shape[0]) fail(`${nd.shape[0]} images but ${list.length} labels in '${f.labelKey}'`);
  const out = new Int32Array(list.length);
  list.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 0 || l >= f.numClasses) {
      fail(`label ${JSON.stringify(l)} of image ${i} is outside 0..${f.numClasses - 1}`);
    }
    out[i] = l as number;
  });
  return { data: nd, labels: out };
}

/** Stats every file of a split and fails listing the missing ones. */
function splitFiles(dir: string, files: readonly string[], f: CifarPythonFormat): string[] {
  const missing = files.filter((n) => fileSize(path.join(dir, n)) === undefined);
  if (missing.length) throw missingFilesError(dir, missing, f.hint);
  return files.map((n) => path.join(dir, n));
}

/** Reads a split into one HWC ImageSet; `toHwc` is the binary reader's channel-major → HWC copy. */
export function readCifarPythonSplit(
  dir: string,
  files: readonly string[],
  f: CifarPythonFormat,
  toHwc: (src: Uint8Array, from: number, dst: Uint8Array, to: number, plane: number) => void,
): ImageSet {
  const batches = splitFiles(dir, files, f).map((file) => readCifarPythonBatch(file, f));
  const count = batches.reduce((a, b) => a + b.labels.length, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let index = 0;
  for (const b of batches) {
    labels.set(b.labels, index);
    for (let r = 0; r < b.labels.length; r++, index++) toHwc(b.data.data, r * PIXELS, images, index * PIXELS, PIXELS / 3);
  }
  return { images, labels, count };
}

/** Image counts of the train and test splits, parsing each pickle (no pixel copy). */
export function countCifarPython(dir: string, f: CifarPythonFormat): { train: number; test: number } {
  const count = (files: readonly string[]): number =>
    splitFiles(dir, files, f).reduce((a, file) => a + readCifarPythonBatch(file, f).labels.length, 0);
  return { train: count(f.train), test: count([f.test]) };
}

/** Class names from the metadata pickle; undefined when it is missing or odd (they are only cosmetic). */
export function readCifarPythonNames(dir: string, f: CifarPythonFormat): string[] | undefined {
  const file = path.join(dir, f.metaFile);
  if (fileSize(file) === undefined) return undefined;
  try {
    const names = asDict(readPickle(fs.readFileSync(file), file), file).get(f.namesKey);
    if (!Array.isArray(names) || names.length !== f.numClasses) return undefined;
    const texts = names.map((n) => asText(n));
    return texts.every((t) => t !== undefined) ? (texts) : undefined;
  } catch {
    return undefined;
  }
}
