/**
 * Host-side check that a folder holds a dataset the trainer can read, done before launch so a wrong
 * folder is reported in the start flow instead of as a failed run. It only stats files and reads a few
 * header bytes (cheap, no TensorFlow.js). The trainer's readers (src/trainer/data) do the full check; the
 * two agree on file names and record sizes, and accept a folder or the folder it was extracted into.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DatasetKind } from '../../shared/protocol';

export type FolderCheck =
  | { ok: true; /** The folder that really holds the files (may be a child of the one given). */ folder: string; summary: string }
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
    const head = await firstBytes(found, 16);
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      gzipped = true; // The header is inside the gzip stream; the trainer checks it when it unpacks.
      continue;
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
    return { ok: true, folder: dir, summary: `IDX: ${trainImages} training and ${testImages} test images${shape}` };
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
  return { ok: true, folder, summary: `${format.label}: ${totals[0]} training and ${totals[1]} test images` };
}

/**
 * Checks that `dir` holds a dataset of `kind`. MNIST and the synthetic set need no folder and pass.
 * The message of a failed check names the file, what was expected and how to get it.
 */
export async function checkDatasetFolder(kind: DatasetKind, dir: string | undefined): Promise<FolderCheck> {
  if (kind === 'mnist') return { ok: true, folder: dir ?? '', summary: 'MNIST (bundled with the extension)' };
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
      return checkRecordFormat(dir, CIFAR10);
    case 'cifar100':
      return checkRecordFormat(dir, CIFAR100);
    case 'stl10':
      return checkRecordFormat(dir, STL10);
    case 'imagefolder':
      return { ok: false, problem: 'dataset "imagefolder" is being added (issue 19): pick another dataset for now' };
  }
}
