/**
 * Reader for the binary STL-10 dataset (https://cs.stanford.edu/~acoates/stl10/), folder `stl10_binary/`.
 *
 * Images are 96×96×3 and stored the MATLAB way: one channel after another, each channel column-major,
 * so byte (c, x, y) of an image sits at c*W*H + x*H + y. We transpose to HWC while reading. Labels are
 * single bytes 1..10 (shifted to 0..9). The 100 000-image unlabeled split (2.7 GB) exists for
 * self-supervised pre-training; it is read only on request, in chunks (readFileSync cannot read files
 * over 2 GiB, and a chunked read avoids holding the raw and transposed copies at once).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, ImageSet } from './types';
import { fileSize, missingFilesError, readClassNames, recordCount, resolveDatasetFolder } from './files';

const SIDE = 96;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = CHANNELS * PLANE;
const NUM_CLASSES = 10;
/** Images per read: ~14 MB chunks keep memory flat without slowing the read down. */
const CHUNK_IMAGES = 512;

const FOLDER = 'stl10_binary';
const HINT = 'Re-download the STL-10 binary version (stl10_binary.tar.gz) and extract it again.';
const STANDARD = { train: 5000, test: 8000, unlabeled: 100000 } as const;

export interface Stl10Options {
  /** Also load `unlabeled_X.bin` (100 000 images, 2.7 GB) as `Dataset.unlabeled`. */
  unlabeled: boolean;
  /** Read only the first N unlabeled images (0 or absent = all), so small runs skip most of the 2.7 GB. */
  unlabeledLimit?: number;
}

/** Copies one STL-10 image (channel-major, each channel column-major) at `src[from]` into HWC at `dst[to]`. */
export function stlToHwc(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let c = 0; c < CHANNELS; c++) {
    const plane = from + c * PLANE;
    for (let x = 0; x < SIDE; x++) {
      const column = plane + x * SIDE;
      for (let y = 0; y < SIDE; y++) dst[to + (y * SIDE + x) * CHANNELS + c] = src[column + y];
    }
  }
}

/** Image count of an `*_X.bin` file, from its size. */
function imageCount(file: string, standard: number): number {
  const size = fileSize(file);
  if (size === undefined) throw missingFilesError(path.dirname(file), [path.basename(file)], HINT);
  return recordCount(file, size, IMAGE_BYTES, standard, HINT);
}

/** Reads the first `count` images of an `*_X.bin` file in chunks, transposing each to HWC. */
function readImages(file: string, count: number): Uint8Array {
  const out = new Uint8Array(count * IMAGE_BYTES);
  const chunk = Buffer.alloc(Math.min(count, CHUNK_IMAGES) * IMAGE_BYTES);
  const fd = fs.openSync(file, 'r');
  try {
    for (let start = 0; start < count; start += CHUNK_IMAGES) {
      const n = Math.min(CHUNK_IMAGES, count - start);
      const want = n * IMAGE_BYTES;
      const got = readFully(fd, chunk, want, start * IMAGE_BYTES);
      if (got !== want) {
        throw new Error(`${file}: expected ${count * IMAGE_BYTES} bytes, found only ${start * IMAGE_BYTES + got}: ` +
          `the file shrank while being read. ${HINT}`);
      }
      for (let i = 0; i < n; i++) stlToHwc(chunk, i * IMAGE_BYTES, out, (start + i) * IMAGE_BYTES);
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** readSync may return fewer bytes than asked; loop until `want` bytes or end of file. */
function readFully(fd: number, buf: Buffer, want: number, position: number): number {
  let got = 0;
  while (got < want) {
    const n = fs.readSync(fd, buf, got, want - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Reads a `*_y.bin` file: one byte 1..10 per image, returned as 0..9. */
function readLabels(file: string, count: number): Int32Array {
  const size = fileSize(file);
  if (size === undefined) throw missingFilesError(path.dirname(file), [path.basename(file)], HINT);
  if (size !== count) {
    throw new Error(`${file}: expected ${count} bytes (one label per image of the matching _X.bin file), ` +
      `found ${size}: the label and image files do not match. ${HINT}`);
  }
  const raw = fs.readFileSync(file);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (raw[i] < 1 || raw[i] > NUM_CLASSES) {
      throw new Error(`${file}: label ${raw[i]} of image ${i} is outside 1..${NUM_CLASSES}: this is not an ` +
        `STL-10 label file. ${HINT}`);
    }
    labels[i] = raw[i] - 1;
  }
  return labels;
}

function readLabelledSplit(dir: string, split: 'train' | 'test'): ImageSet {
  const imagesFile = path.join(dir, `${split}_X.bin`);
  const count = imageCount(imagesFile, STANDARD[split]);
  const labels = readLabels(path.join(dir, `${split}_y.bin`), count);
  return { images: readImages(imagesFile, count), labels, count };
}

function readUnlabeled(dir: string, limit: number): ImageSet {
  const file = path.join(dir, 'unlabeled_X.bin');
  if (fileSize(file) === undefined) {
    throw missingFilesError(dir, ['unlabeled_X.bin'], `${HINT} Or train without the unlabeled split.`);
  }
  const available = imageCount(file, STANDARD.unlabeled);
  const count = limit > 0 ? Math.min(limit, available) : available;
  return { images: readImages(file, count), labels: new Int32Array(count).fill(-1), count };
}

/** Stats the labelled files before reading so a missing one fails fast with the full list. */
function checkPresent(dir: string): void {
  const expected = ['train_X.bin', 'train_y.bin', 'test_X.bin', 'test_y.bin'];
  const missing = expected.filter((n) => fileSize(path.join(dir, n)) === undefined);
  if (missing.length) throw missingFilesError(dir, missing, HINT);
}

/** Loads STL-10; `dataDir` is `stl10_binary/` or the folder holding it. */
export function loadStl10(dataDir: string, opts: Stl10Options): Dataset {
  const dir = resolveDatasetFolder(dataDir, FOLDER, 'test_X.bin', HINT);
  checkPresent(dir);
  return {
    name: 'stl10',
    height: SIDE,
    width: SIDE,
    channels: CHANNELS,
    numClasses: NUM_CLASSES,
    classNames: readClassNames(path.join(dir, 'class_names.txt'), NUM_CLASSES),
    train: readLabelledSplit(dir, 'train'),
    test: readLabelledSplit(dir, 'test'),
    unlabeled: opts.unlabeled ? readUnlabeled(dir, opts.unlabeledLimit ?? 0) : undefined,
  };
}

/** Checks an STL-10 folder from file sizes only; returns a summary or throws. */
export function describeStl10(dataDir: string): string {
  const dir = resolveDatasetFolder(dataDir, FOLDER, 'test_X.bin', HINT);
  checkPresent(dir);
  const counts = (['train', 'test'] as const).map((split) => {
    const count = imageCount(path.join(dir, `${split}_X.bin`), STANDARD[split]);
    const labelsFile = path.join(dir, `${split}_y.bin`);
    const labelBytes = fileSize(labelsFile);
    if (labelBytes !== count) {
      throw new Error(`${labelsFile}: expected ${count} bytes (one label per image of ${split}_X.bin), ` +
        `found ${labelBytes}: the label and image files do not match. ${HINT}`);
    }
    return count;
  });
  const unlabeledFile = path.join(dir, 'unlabeled_X.bin');
  const unlabeled = fileSize(unlabeledFile) === undefined
    ? 'no unlabeled split'
    : `${imageCount(unlabeledFile, STANDARD.unlabeled)} unlabeled`;
  return `STL-10: ${counts[0]} training, ${counts[1]} test images of 96×96×3 (${unlabeled}) in ${dir}`;
}
