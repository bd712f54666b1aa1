import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { checkDatasetFolder, IMAGE_FOLDER_MAX_FILES } from '../../src/host/datasets/datasetFolderCheck';
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
    assert.deepEqual(await checkDatasetFolder('idx', dir), { ok: true, folder: dir, summary: 'IDX: 6 training and 2 test images of 28×28', counts: { train: 6, test: 2 } });

    const gz = path.join(root, 'idx-gz');
    fs.mkdirSync(gz);
    fs.writeFileSync(path.join(gz, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(idxImages(6, 28, 28)));
    fs.writeFileSync(path.join(gz, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(idxLabels(6)));
    fs.writeFileSync(path.join(gz, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxImages(2, 28, 28)));
    fs.writeFileSync(path.join(gz, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(idxLabels(2)));
    const r = await checkDatasetFolder('idx', gz);
    assert.deepEqual(r, { ok: true, folder: gz, summary: 'IDX: 6 training and 2 test images of 28×28', counts: { train: 6, test: 2 } }, 'the counts come from the inflated headers');
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
    const expected = { ok: true, folder: inner, summary: 'CIFAR-10: 50000 training and 10000 test images', counts: { train: 50000, test: 10000 } };
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
    assert.match(wrongKind.ok ? '' : wrongKind.problem, /cannot find train\.bin \(binary version\) in .* or in .*cifar-100-binary, nor test \(torchvision's Python version\) in .* or in .*cifar-100-python: pick the extracted folder/);
  });

  it('accepts CIFAR-100 and STL-10 at their official sizes', async () => {
    const c100 = path.join(root, 'c100', 'cifar-100-binary');
    sizedFile(path.join(c100, 'train.bin'), 153700000);
    sizedFile(path.join(c100, 'test.bin'), 30740000);
    assert.deepEqual(await checkDatasetFolder('cifar100', path.dirname(c100)), { ok: true, folder: c100, summary: 'CIFAR-100: 50000 training and 10000 test images', counts: { train: 50000, test: 10000 } });

    const stl = path.join(root, 'stl', 'stl10_binary');
    sizedFile(path.join(stl, 'train_X.bin'), 138240000);
    sizedFile(path.join(stl, 'train_y.bin'), 5000);
    sizedFile(path.join(stl, 'test_X.bin'), 221184000);
    sizedFile(path.join(stl, 'test_y.bin'), 8000);
    assert.deepEqual(await checkDatasetFolder('stl10', stl), { ok: true, folder: stl, summary: 'STL-10: 5000 training and 8000 test images', counts: { train: 5000, test: 8000 } });
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

  // torchvision's Python layout: pickles whose pixels alone take N × 3072 bytes; the official files add ~1 %.
  const officialPy = (n: number): number => Math.round(n * 3072 * 1.0103);

  it('accepts CIFAR-10 and CIFAR-100 in torchvision\'s Python layout, the folder or its parent, from names and sizes', async () => {
    const parent = path.join(root, 'py10');
    const inner = path.join(parent, 'cifar-10-batches-py');
    for (let i = 1; i <= 5; i++) sizedFile(path.join(inner, `data_batch_${i}`), officialPy(10000) + i);
    sizedFile(path.join(inner, 'test_batch'), officialPy(10000));
    sizedFile(path.join(inner, 'batches.meta'), 158);
    const expected = { ok: true, folder: inner, summary: 'CIFAR-10 (Python version): 50000 training and 10000 test images, with class names', counts: { train: 50000, test: 10000 } };
    assert.deepEqual(await checkDatasetFolder('cifar10', parent), expected);
    assert.deepEqual(await checkDatasetFolder('cifar10', inner), expected);

    const c100 = path.join(root, 'py100', 'cifar-100-python');
    sizedFile(path.join(c100, 'train'), officialPy(50000));
    sizedFile(path.join(c100, 'test'), officialPy(10000));
    assert.deepEqual(await checkDatasetFolder('cifar100', path.dirname(c100)), {
      ok: true,
      folder: c100,
      summary: 'CIFAR-100 (Python version): 50000 training and 10000 test images',
      counts: { train: 50000, test: 10000 },
    });
  });

  it('refuses a Python-layout folder with a missing, truncated or oversized pickle, naming the file', async () => {
    const dir = path.join(root, 'py10-bad', 'cifar-10-batches-py');
    for (let i = 1; i <= 5; i++) sizedFile(path.join(dir, `data_batch_${i}`), officialPy(10000));
    sizedFile(path.join(dir, 'test_batch'), officialPy(10000));
    fs.rmSync(path.join(dir, 'data_batch_2'));
    fs.rmSync(path.join(dir, 'data_batch_4'));
    let r = await checkDatasetFolder('cifar10', path.dirname(dir));
    assert.match(r.ok ? '' : r.problem, /cifar-10-batches-py lacks data_batch_2, data_batch_4 of CIFAR-10's Python version \(expected data_batch_1, .*test_batch\)\. Re-download CIFAR-10/);
    sizedFile(path.join(dir, 'data_batch_2'), officialPy(10000));
    sizedFile(path.join(dir, 'data_batch_4'), 20_000_000); // cut short
    r = await checkDatasetFolder('cifar10', dir);
    assert.match(r.ok ? '' : r.problem, /data_batch_4 has 20000000 bytes, less than the 30720000 bytes of pixels its 10000 images take: it is truncated CIFAR-10's/);
    sizedFile(path.join(dir, 'data_batch_4'), 0);
    r = await checkDatasetFolder('cifar10', dir);
    assert.match(r.ok ? '' : r.problem, /data_batch_4 has 0 bytes/);
    sizedFile(path.join(dir, 'data_batch_4'), 10000 * 3072 * 2);
    r = await checkDatasetFolder('cifar10', dir);
    assert.match(r.ok ? '' : r.problem, /data_batch_4 has 61440000 bytes, far more than the official file: it is not CIFAR-10's/);
    for (const problem of [r.ok ? '' : r.problem]) assert.doesNotMatch(problem, /\n/);
    // A Python folder named for the other dataset is not it.
    const other = await checkDatasetFolder('cifar100', path.dirname(dir));
    assert.match(other.ok ? '' : other.problem, /nor test \(torchvision's Python version\)/);
  });
});

/** A tiny valid PNG is not needed: the check reads names only. */
function touch(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x');
}

describe('checkDatasetFolder: imagefolder', () => {
  let root: string;
  before(() => {
    root = makeTempDir('imagefolder');
  });
  after(() => removeDir(root));

  it('finds the classes (sorted sub-folders), counts images recursively in any letter case, and the seeded split', async () => {
    const dir = path.join(root, 'pets');
    for (let i = 0; i < 10; i++) touch(path.join(dir, 'dog', `d${i}.png`));
    for (let i = 0; i < 4; i++) touch(path.join(dir, 'cat', 'nested', `c${i}.JPG`));
    touch(path.join(dir, 'cat', 'c.jpeg'));
    touch(path.join(dir, 'cat', 'notes.txt')); // not an image
    touch(path.join(dir, 'cat', '.hidden.png')); // dot-names are ignored, as the trainer does
    touch(path.join(dir, 'Bird', 'b.png'));
    touch(path.join(dir, '.ipynb_checkpoints', 'x.png'));
    touch(path.join(dir, 'loose.png')); // outside any class folder: ignored
    const r = await checkDatasetFolder('imagefolder', dir);
    // Held out per class: round(10 %), at least 1 of 2 or more: dog 1 of 10, cat 1 of 5, Bird 0 of 1.
    assert.deepEqual(r, {
      ok: true,
      folder: dir,
      summary: 'image folder: 3 classes, 16 images (14 training and 2 test images: a seeded 10 % split per class)',
      counts: { train: 14, test: 2 },
      classes: ['Bird', 'cat', 'dog'],
    });
  });

  it('refuses a folder without class folders, without images, or with an empty class, in one line naming the folder and the fix', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    let r = await checkDatasetFolder('imagefolder', empty);
    assert.equal(r.ok ? '' : r.problem, `the image folder ${empty} has no class sub-folders. Put one sub-folder per class with .png/.jpg/.jpeg images in each (${path.join(empty, 'cat', '1.png')}, ${path.join(empty, 'dog', '2.jpg')}), as torchvision's ImageFolder reads them.`);

    const flat = path.join(root, 'flat');
    touch(path.join(flat, 'a.png'));
    r = await checkDatasetFolder('imagefolder', flat);
    assert.match(r.ok ? '' : r.problem, /flat has no class sub-folders\. Put one sub-folder per class/);

    const noImages = path.join(root, 'no-images');
    touch(path.join(noImages, 'a', 'readme.txt'));
    touch(path.join(noImages, 'b', 'x.gif'));
    r = await checkDatasetFolder('imagefolder', noImages);
    assert.match(r.ok ? '' : r.problem, /no-images has no \.png\/\.jpg\/\.jpeg images in its 2 class folders\. Put one sub-folder per class/);

    const oneEmpty = path.join(root, 'one-empty');
    touch(path.join(oneEmpty, 'a', '1.png'));
    fs.mkdirSync(path.join(oneEmpty, 'b'));
    r = await checkDatasetFolder('imagefolder', oneEmpty);
    assert.match(r.ok ? '' : r.problem, /class folder "b" in .*one-empty holds no \.png\/\.jpg\/\.jpeg images: add images or remove it\./);
  });

  it('checks a test folder: its counts, and that its classes match', async () => {
    const train = path.join(root, 'tr');
    const test = path.join(root, 'te');
    for (const c of ['a', 'b']) for (let i = 0; i < 3; i++) touch(path.join(train, c, `${i}.png`));
    touch(path.join(test, 'a', '0.png'));
    touch(path.join(test, 'b', '0.jpg'));
    assert.deepEqual(await checkDatasetFolder('imagefolder', train, { testDir: test }), {
      ok: true,
      folder: train,
      summary: `image folder: 2 classes, 6 images (6 training and 2 test images, from ${test})`,
      counts: { train: 6, test: 2 },
      classes: ['a', 'b'],
    });
    touch(path.join(test, 'c', '0.png'));
    fs.rmSync(path.join(test, 'b'), { recursive: true });
    const r = await checkDatasetFolder('imagefolder', train, { testDir: test });
    assert.equal(r.ok ? '' : r.problem, `the test folder's classes differ from the image folder's (only in ${train}: "b"; only in ${test}: "c"): give both the same class sub-folders.`);
    const missing = await checkDatasetFolder('imagefolder', train, { testDir: path.join(root, 'nope') });
    assert.match(missing.ok ? '' : missing.problem, /the test folder .*nope does not exist: pick an existing folder or fix "testDir"\./);
    const emptyTest = path.join(root, 'te-empty');
    fs.mkdirSync(emptyTest);
    const none = await checkDatasetFolder('imagefolder', train, { testDir: emptyTest });
    assert.match(none.ok ? '' : none.problem, /^the test folder .*te-empty has no class sub-folders/);
  });

  it('follows links to folders once, and stops a huge scan with a clear line', async () => {
    const dir = path.join(root, 'links');
    touch(path.join(dir, 'a', '1.png'));
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'a', 'loop')); // a link back up: counted once
    touch(path.join(root, 'elsewhere', '2.png'));
    fs.symlinkSync(path.join(root, 'elsewhere'), path.join(dir, 'b'));
    const r = await checkDatasetFolder('imagefolder', dir);
    assert.equal(r.ok && r.summary, 'image folder: 2 classes, 2 images (2 training and 0 test images: a seeded 10 % split per class)');
    assert.equal(IMAGE_FOLDER_MAX_FILES, 2_000_000);
    // The bound counts files of both trees; lowered here so the test stays small.
    const big = await checkDatasetFolder('imagefolder', path.join(root, 'pets'), { maxFiles: 10 });
    assert.equal(big.ok ? '' : big.problem, `the image folder ${path.join(root, 'pets')} holds more than 10 files (the check stopped there): pick the folder whose sub-folders are the classes, or split the data.`);
  });
});
