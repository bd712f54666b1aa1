/**
 * Writers for tiny files in each supported dataset format, so the readers are tested against bytes we
 * laid out ourselves (independently of the reader code) rather than against multi-GB downloads.
 * Every pixel is a known function of (image, channel, y, x) so tests can check where each one lands.
 */
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** A fresh temp folder; call the returned cleanup in `after`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dcl-data-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The test pixel value. The y and x weights differ so a transposed read gives different bytes, and
 * each image/channel is offset so swapped images or channels show up too.
 */
/**
 * A temp folder for one describe block (removed after it) and `fresh()`, a new empty sub-folder per case.
 * Call inside `describe`.
 */
export function caseDirs(prefix: string): { tmp: { dir: string; cleanup: () => void }; fresh: () => string } {
  const tmp = tempDir(prefix);
  after(tmp.cleanup);
  let n = 0;
  const fresh = (): string => {
    const d = path.join(tmp.dir, `case${n++}`);
    fs.mkdirSync(d);
    return d;
  };
  return { tmp, fresh };
}

export const pixel = (i: number, c: number, y: number, x: number): number => (i * 31 + c * 71 + y * 5 + x * 3) & 0xff;

// ---- IDX ----

function idxHeader(magic: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => b.writeUInt32BE(d, 4 + 4 * k));
  return b;
}

export function idxImages(count: number, h: number, w: number): Buffer {
  const data = Buffer.alloc(count * h * w);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(i * h + y) * w + x] = pixel(i, 0, y, x);
  }
  return Buffer.concat([idxHeader(0x803, [count, h, w]), data]);
}

export function idxLabels(labels: number[]): Buffer {
  return Buffer.concat([idxHeader(0x801, [labels.length]), Buffer.from(labels)]);
}

export const labelsFor = (count: number, numClasses: number): number[] =>
  Array.from({ length: count }, (_, i) => (i * 7 + 3) % numClasses);

export interface IdxFolderOptions {
  train: number;
  test: number;
  h?: number;
  w?: number;
  gzip?: boolean;
  /** Use the `train-images.idx3-ubyte` spelling. */
  dotted?: boolean;
}

/** Writes the four IDX files; returns the path each was written to. */
export function writeIdxFolder(dir: string, o: IdxFolderOptions): Record<string, string> {
  const h = o.h ?? 5;
  const w = o.w ?? 4;
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxImages(o.train, h, w),
    'train-labels-idx1-ubyte': idxLabels(labelsFor(o.train, 10)),
    't10k-images-idx3-ubyte': idxImages(o.test, h, w),
    't10k-labels-idx1-ubyte': idxLabels(labelsFor(o.test, 10)),
  };
  const written: Record<string, string> = {};
  for (const [base, bytes] of Object.entries(files)) {
    let name = o.dotted ? base.replace(/-(idx\d-ubyte)$/, '.$1') : base;
    if (o.gzip) name += '.gz';
    const p = path.join(dir, name);
    fs.writeFileSync(p, o.gzip ? zlib.gzipSync(bytes) : bytes);
    written[base] = p;
  }
  return written;
}

// ---- CIFAR ----

/** One CIFAR record: label byte(s), then 3 planes of 32×32 (CHW). */
export function cifarRecord(i: number, labels: number[]): Buffer {
  const px = Buffer.alloc(3 * 32 * 32);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) px[c * 1024 + y * 32 + x] = pixel(i, c, y, x);
  }
  return Buffer.concat([Buffer.from(labels), px]);
}

/** Writes CIFAR-10 with `perBatch` records per training batch and `test` test records. */
export function writeCifar10(dir: string, perBatch: number, test: number, withNames = true): string {
  const root = path.join(dir, 'cifar-10-batches-bin');
  fs.mkdirSync(root, { recursive: true });
  let i = 0;
  for (let b = 1; b <= 5; b++) {
    const recs = Array.from({ length: perBatch }, () => cifarRecord(i, [i++ % 10]));
    fs.writeFileSync(path.join(root, `data_batch_${b}.bin`), Buffer.concat(recs));
  }
  const testRecs = Array.from({ length: test }, (_, k) => cifarRecord(1000 + k, [(k + 3) % 10]));
  fs.writeFileSync(path.join(root, 'test_batch.bin'), Buffer.concat(testRecs));
  if (withNames) {
    const names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    fs.writeFileSync(path.join(root, 'batches.meta.txt'), names.join('\n') + '\n\n');
  }
  return root;
}

/** Writes CIFAR-100 (coarse label = fine % 20, fine label = (i*13) % 100). */
export function writeCifar100(dir: string, train: number, test: number): string {
  const root = path.join(dir, 'cifar-100-binary');
  fs.mkdirSync(root, { recursive: true });
  const rec = (i: number): Buffer => cifarRecord(i, [((i * 13) % 100) % 20, (i * 13) % 100]);
  fs.writeFileSync(path.join(root, 'train.bin'), Buffer.concat(Array.from({ length: train }, (_, i) => rec(i))));
  fs.writeFileSync(path.join(root, 'test.bin'), Buffer.concat(Array.from({ length: test }, (_, i) => rec(500 + i))));
  const names = Array.from({ length: 100 }, (_, k) => `class_${k}`);
  fs.writeFileSync(path.join(root, 'fine_label_names.txt'), names.join('\n'));
  return root;
}

// ---- STL-10 ----

export const STL_IMAGE = 96 * 96 * 3;

/** One STL-10 image: channel after channel, each column-major (byte (c, x, y) at c*9216 + x*96 + y). */
export function stlImage(i: number): Buffer {
  const b = Buffer.alloc(STL_IMAGE);
  for (let c = 0; c < 3; c++) {
    for (let x = 0; x < 96; x++) for (let y = 0; y < 96; y++) b[c * 9216 + x * 96 + y] = pixel(i, c, y, x);
  }
  return b;
}

/** Writes stl10_binary with the given counts; labels are 1..10 on disk. */
export function writeStl10(dir: string, train: number, test: number, unlabeled = 0): string {
  const root = path.join(dir, 'stl10_binary');
  fs.mkdirSync(root, { recursive: true });
  const images = (from: number, n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, k) => stlImage(from + k)));
  fs.writeFileSync(path.join(root, 'train_X.bin'), images(0, train));
  fs.writeFileSync(path.join(root, 'train_y.bin'), Buffer.from(labelsFor(train, 10).map((l) => l + 1)));
  fs.writeFileSync(path.join(root, 'test_X.bin'), images(100, test));
  fs.writeFileSync(path.join(root, 'test_y.bin'), Buffer.from(labelsFor(test, 10).map((l) => l + 1)));
  if (unlabeled) fs.writeFileSync(path.join(root, 'unlabeled_X.bin'), images(200, unlabeled));
  return root;
}

/** Compares an HWC image set with `pixel` for image ids `ids`; describes the first mismatch, if any. */
export function firstMismatch(images: Uint8Array, ids: number[], h: number, w: number, channels: number): string | undefined {
  for (let n = 0; n < ids.length; n++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < channels; c++) {
          const got = images[((n * h + y) * w + x) * channels + c];
          const want = pixel(ids[n], c, y, x);
          if (got !== want) return `image ${n} (id ${ids[n]}) y=${y} x=${x} c=${c}: got ${got}, want ${want}`;
        }
      }
    }
  }
  return undefined;
}
