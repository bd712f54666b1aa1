/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
 *
 * An IDX file is a 4-byte magic (two zero bytes, a type code, the number of dimensions), one big-endian
 * uint32 per dimension, then the values. We accept only unsigned-byte images (magic 0x00000803: count,
 * rows, cols) and labels (0x00000801: count), raw or gzipped, because that is what both datasets ship.
 * Images are returned as a view into the file's bytes: a rows×cols grey image is already HWC.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Dataset, ImageSet } from './types';
import { fileSize, missingFilesError, requireFile } from './files';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const HINT = 'Re-download the dataset (MNIST / Fashion-MNIST IDX files, raw or .gz) and extract it again.';

const magicHex = (m: number): string => `0x${m.toString(16).padStart(8, '0')}`;
const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The fixed part of an IDX file: its magic, its dimensions and how many bytes they imply. */
export interface IdxHeader {
  magic: number;
  dims: number[];
  headerBytes: number;
  dataBytes: number;
}

/** Parses and checks the header at the start of `head` (the whole file or just its first bytes). */
export function parseIdxHeader(head: Uint8Array, file: string, expectedMagic: number): IdxHeader {
  const ndims = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  const truncated = (): Error => new Error(`${file}: expected an IDX header of ${headerBytes} bytes, found only ` +
    `${head.length} bytes: the file is truncated. ${HINT}`);
  if (head.length < 4) throw truncated();
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  // The magic first: a wrong kind of file is a more useful diagnosis than a short header.
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    const what = expectedMagic === IDX_IMAGES_MAGIC ? 'an IDX image file' : 'an IDX label file';
    throw new Error(`${file}: expected magic ${magicHex(expectedMagic)} (${what}), found ${magicHex(magic)}: ` +
      `this is not ${what}${swappedHint(magic)}. ${HINT}`);
  }
  if (head.length < headerBytes) throw truncated();
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { magic, dims, headerBytes, dataBytes: dims.reduce((a, b) => a * b, 1) };
}

function swappedHint(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return ' (it holds images: are the image and label files swapped?)';
  if (magic === IDX_LABELS_MAGIC) return ' (it holds labels: are the image and label files swapped?)';
  return '';
}

/** Throws unless the file's (uncompressed) size is exactly what its header announces. */
export function checkIdxSize(header: IdxHeader, size: number, file: string, gzipped: boolean): void {
  const expected = header.headerBytes + header.dataBytes;
  if (size === expected) return;
  const found = gzipped ? `${size} bytes after decompression` : `${size} bytes`;
  const why = size < expected ? 'the file is truncated' : 'the file has trailing data and is probably corrupt';
  throw new Error(`${file}: expected ${expected} bytes (header ${header.headerBytes} + ` +
    `${header.dims.join('×')} values), found ${found}: ${why}. ${HINT}`);
}

/** The whole file, decompressed when it starts with the gzip magic (whatever its name says). */
export function readMaybeGzip(file: string): { bytes: Uint8Array; gzipped: boolean } {
  const raw = fs.readFileSync(file);
  if (!isGzip(raw)) return { bytes: raw, gzipped: false };
  try {
    return { bytes: zlib.gunzipSync(raw), gzipped: true };
  } catch (e) {
    throw new Error(`${file}: cannot decompress the gzip file (${(e as Error).message}): it is truncated or ` +
      `corrupt. ${HINT}`);
  }
}

/** Reads one IDX file and returns its dimensions and a view of its values (no copy). */
export function readIdx(file: string, expectedMagic: number): { dims: number[]; data: Uint8Array } {
  const { bytes, gzipped } = readMaybeGzip(file);
  const header = parseIdxHeader(bytes, file, expectedMagic);
  checkIdxSize(header, bytes.length, file, gzipped);
  // A plain Uint8Array view, not a Buffer: Buffer#slice does not copy, which would surprise callers.
  return { dims: header.dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header.headerBytes, header.dataBytes) };
}

/** Reads an images file: count×rows×cols bytes, already HWC for one channel. */
export function readIdxImages(file: string): { images: Uint8Array; count: number; height: number; width: number } {
  const { dims, data } = readIdx(file, IDX_IMAGES_MAGIC);
  return { images: data, count: dims[0], height: dims[1], width: dims[2] };
}

/** Reads a labels file into an Int32Array (the one copy we need: the trainer wants int32 labels). */
export function readIdxLabels(file: string): Int32Array {
  return Int32Array.from(readIdx(file, IDX_LABELS_MAGIC).data);
}

/** Paths of the four files of an IDX dataset. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

const IDX_BASES: Record<keyof IdxFiles, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Names a file may go by: the standard one, the dotted variant some mirrors use, each maybe .gz. */
function candidateNames(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

/** Finds the four standard files in `dir`, or throws listing every name tried. */
export function findIdxFiles(dir: string): IdxFiles {
  const found: Partial<IdxFiles> = {};
  const missing: string[] = [];
  for (const [key, base] of Object.entries(IDX_BASES) as [keyof IdxFiles, string][]) {
    const names = candidateNames(base);
    const hit = names.map((n) => path.join(dir, n)).find((p) => fileSize(p) !== undefined);
    if (hit) found[key] = hit;
    else missing.push(names.join(' or '));
  }
  if (missing.length) throw missingFilesError(dir, missing, HINT);
  return found as IdxFiles;
}

function readSplit(imagesFile: string, labelsFile: string): ImageSet & { height: number; width: number } {
  const img = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (labels.length !== img.count) {
    throw new Error(`${labelsFile} holds ${labels.length} labels but ${imagesFile} holds ${img.count} images: ` +
      `they must come from the same split. ${HINT}`);
  }
  return { images: img.images, labels, count: img.count, height: img.height, width: img.width };
}

function maxLabel(labels: Int32Array): number {
  let m = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m;
}

/**
 * Loads an IDX folder. `numClasses` defaults to the largest label + 1, so any byte-labelled IDX set
 * works, not only the 10-class ones.
 */
export function loadIdxFolder(dir: string, name: string, opts: { numClasses?: number; classNames?: string[] } = {}): Dataset {
  const files = findIdxFiles(dir);
  const train = readSplit(files.trainImages, files.trainLabels);
  const test = readSplit(files.testImages, files.testLabels);
  if (train.height !== test.height || train.width !== test.width) {
    throw new Error(`${files.trainImages} holds ${train.height}×${train.width} images but ${files.testImages} ` +
      `holds ${test.height}×${test.width}: both splits must have the same image size. ${HINT}`);
  }
  const numClasses = opts.numClasses ?? Math.max(maxLabel(train.labels), maxLabel(test.labels)) + 1;
  return {
    name,
    height: train.height,
    width: train.width,
    channels: 1,
    numClasses,
    classNames: opts.classNames,
    train: { images: train.images, labels: train.labels, count: train.count },
    test: { images: test.images, labels: test.labels, count: test.count },
  };
}

/**
 * Header and uncompressed size of a file, reading only its first and last bytes: for gzip the
 * uncompressed size is the ISIZE field of the trailer and the header comes from inflating the first
 * block, so a folder can be checked in milliseconds.
 */
export function probeIdxFile(file: string, expectedMagic: number): { header: IdxHeader; size: number; gzipped: boolean } {
  const size = requireFile(file, 'IDX file', HINT);
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(fd, head, 0, head.length, 0);
    if (!isGzip(head)) {
      const header = parseIdxHeader(head, file, expectedMagic);
      return { header, size, gzipped: false };
    }
    const inflated = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const header = parseIdxHeader(inflated, file, expectedMagic);
    const tail = Buffer.alloc(4);
    if (size >= 18) fs.readSync(fd, tail, 0, 4, size - 4);
    return { header, size: tail.readUInt32LE(0), gzipped: true };
  } finally {
    fs.closeSync(fd);
  }
}

/** Checks an IDX folder from headers and sizes only; returns a one-line summary or throws. */
export function describeIdxFolder(dir: string): string {
  const files = findIdxFiles(dir);
  const probe = (file: string, magic: number): IdxHeader => {
    const p = probeIdxFile(file, magic);
    checkIdxSize(p.header, p.size, file, p.gzipped);
    return p.header;
  };
  const [trI, trL, teI, teL] = [
    probe(files.trainImages, IDX_IMAGES_MAGIC),
    probe(files.trainLabels, IDX_LABELS_MAGIC),
    probe(files.testImages, IDX_IMAGES_MAGIC),
    probe(files.testLabels, IDX_LABELS_MAGIC),
  ];
  if (trI.dims[0] !== trL.dims[0]) {
    throw new Error(`${files.trainLabels} holds ${trL.dims[0]} labels but ${files.trainImages} holds ${trI.dims[0]} images. ${HINT}`);
  }
  if (teI.dims[0] !== teL.dims[0]) {
    throw new Error(`${files.testLabels} holds ${teL.dims[0]} labels but ${files.testImages} holds ${teI.dims[0]} images. ${HINT}`);
  }
  return `IDX: ${trI.dims[0]} training and ${teI.dims[0]} test images of ${trI.dims[1]}×${trI.dims[2]}×1 in ${dir}`;
}
