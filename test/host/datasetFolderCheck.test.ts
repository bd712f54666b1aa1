import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { checkDatasetFolder } from '../../src/host/datasets/datasetFolderCheck';
import { makeTempDir, removeDir } from './hostTestUtils';

/** A file of `size` bytes without writing them (sparse), so official sizes cost nothing. */
function sizedFile(file: string, size: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
}

function idxImages(count: number, rows: number, cols: number): Buffer {
  const b = Buffer.alloc(16 + count * rows * cols);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  return b;
}

function idxLabels(count: number): Buffer {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(count, 4);
  return b;
}

describe('checkDatasetFolder', () => {
  let root: string;
  before(() => {
    root = makeTempDir('datasets');
  });
  after(() => removeDir(root));

  it('needs no folder for MNIST and the synthetic set', async () => {
    assert.equal((await checkDatasetFolder('mnist', undefined)).ok, true);
    assert.equal((await checkDatasetFolder('synthetic', undefined)).ok, true);
  });

  it('explains a missing folder, a file instead of a folder, and no folder at all', async () => {
    const missing = await checkDatasetFolder('cifar10', path.join(root, 'nope'));
    assert.deepEqual(missing, { ok: false, problem: `the data folder ${path.join(root, 'nope')} does not exist: pick an existing folder or fix "dataDir".` });
    const file = path.join(root, 'file.bin');
    fs.writeFileSync(file, 'x');
    const notDir = await checkDatasetFolder('stl10', file);
    assert.match(notDir.ok ? '' : notDir.problem, /is a file, not a folder/);
    const none = await checkDatasetFolder('idx', undefined);
    assert.match(none.ok ? '' : none.problem, /no folder was given/);
  });

  it('accepts an IDX folder, plain or gzipped, and reads the counts from the headers', async () => {
    const dir = path.join(root, 'idx');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxImages(6, 28, 28));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(6));
    fs.writeFileSync(path.join(dir, 't10k-images.idx3-ubyte'), idxImages(2, 28, 28)); // dotted mirror name
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(2));
    assert.deepEqual(await checkDatasetFolder('idx', dir), { ok: true, folder: dir, summary: 'IDX: 6 training and 2 test images of 28×28' });

    const gz = path.join(root, 'idx-gz');
    fs.mkdirSync(gz);
    fs.writeFileSync(path.join(gz, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(idxImages(6, 28, 28)));
    fs.writeFileSync(path.join(gz, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(idxLabels(6)));
    fs.writeFileSync(path.join(gz, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxImages(2, 28, 28)));
    fs.writeFileSync(path.join(gz, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(idxLabels(2)));
    const r = await checkDatasetFolder('idx', gz);
    assert.equal(r.ok, true);
  });

  it('rejects IDX folders with a missing file, a wrong header or mismatched counts', async () => {
    const dir = path.join(root, 'idx-bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxImages(6, 28, 28));
    let r = await checkDatasetFolder('idx', dir);
    assert.match(r.ok ? '' : r.problem, /has no training labels file: expected train-labels-idx1-ubyte or train-labels-idx1-ubyte\.gz or/);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxImages(6, 28, 28)); // images where labels belong
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(2, 28, 28));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(2));
    r = await checkDatasetFolder('idx', dir);
    assert.match(r.ok ? '' : r.problem, /train-labels-idx1-ubyte is not an IDX training labels file: its header should start with 0x00000801, found 0x00000803/);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(5));
    r = await checkDatasetFolder('idx', dir);
    assert.match(r.ok ? '' : r.problem, /6 training images but 5 labels/);
  });

  it('accepts CIFAR-10 at its official sizes, in the batches folder or the folder that holds it', async () => {
    const parent = path.join(root, 'cifar10');
    const inner = path.join(parent, 'cifar-10-batches-bin');
    for (let i = 1; i <= 5; i++) sizedFile(path.join(inner, `data_batch_${i}.bin`), 30730000);
    sizedFile(path.join(inner, 'test_batch.bin'), 30730000);
    const expected = { ok: true, folder: inner, summary: 'CIFAR-10: 50000 training and 10000 test images' };
    assert.deepEqual(await checkDatasetFolder('cifar10', parent), expected);
    assert.deepEqual(await checkDatasetFolder('cifar10', inner), expected);
  });

  it('rejects a truncated CIFAR-10 batch, naming the file and the official size', async () => {
    const dir = path.join(root, 'cifar10-bad');
    for (let i = 1; i <= 5; i++) sizedFile(path.join(dir, `data_batch_${i}.bin`), 30730000);
    sizedFile(path.join(dir, 'test_batch.bin'), 30730000 - 100);
    const r = await checkDatasetFolder('cifar10', dir);
    assert.match(r.ok ? '' : r.problem, /test_batch\.bin has 30729900 bytes, which is not a whole number of 3073-byte records \(the official file has 30730000 bytes/);
    fs.rmSync(path.join(dir, 'data_batch_3.bin'));
    const missing = await checkDatasetFolder('cifar10', dir);
    assert.match(missing.ok ? '' : missing.problem, /data_batch_3\.bin is missing/);
    const wrongKind = await checkDatasetFolder('cifar100', dir);
    assert.match(wrongKind.ok ? '' : wrongKind.problem, /cannot find train\.bin in .* or in .*cifar-100-binary\. Download the CIFAR-100 binary version/);
  });

  it('accepts CIFAR-100 and STL-10 at their official sizes', async () => {
    const c100 = path.join(root, 'c100', 'cifar-100-binary');
    sizedFile(path.join(c100, 'train.bin'), 153700000);
    sizedFile(path.join(c100, 'test.bin'), 30740000);
    assert.deepEqual(await checkDatasetFolder('cifar100', path.dirname(c100)), { ok: true, folder: c100, summary: 'CIFAR-100: 50000 training and 10000 test images' });

    const stl = path.join(root, 'stl', 'stl10_binary');
    sizedFile(path.join(stl, 'train_X.bin'), 138240000);
    sizedFile(path.join(stl, 'train_y.bin'), 5000);
    sizedFile(path.join(stl, 'test_X.bin'), 221184000);
    sizedFile(path.join(stl, 'test_y.bin'), 8000);
    assert.deepEqual(await checkDatasetFolder('stl10', stl), { ok: true, folder: stl, summary: 'STL-10: 5000 training and 8000 test images' });
  });

  it('rejects STL-10 images and labels that do not pair up', async () => {
    const stl = path.join(root, 'stl-bad');
    sizedFile(path.join(stl, 'train_X.bin'), 138240000);
    sizedFile(path.join(stl, 'train_y.bin'), 4000);
    sizedFile(path.join(stl, 'test_X.bin'), 221184000);
    sizedFile(path.join(stl, 'test_y.bin'), 8000);
    const r = await checkDatasetFolder('stl10', stl);
    assert.match(r.ok ? '' : r.problem, /train_X\.bin holds 5000 images but .*train_y\.bin holds 4000 labels; they must match/);
  });
});
