import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { datasetNeedsDir, describeDatasetDir, loadDataset, takeFirst } from '../../src/trainer/data/index';
import { DATASET_KINDS } from '../../src/shared/protocol';
import { cifarRecord, idxImages, labelsFor, writeCifar10, writeCifar100, writeIdxFolder, writeStl10, caseDirs } from './formats';

describe('loadDataset', () => {
  const { tmp, fresh } = caseDirs('index');

  it('dispatches on the kind', () => {
    const idxDir = fresh();
    writeIdxFolder(idxDir, { train: 3, test: 2 });
    assert.equal(loadDataset({ dataset: 'idx', dataDir: idxDir }).train.count, 3);
    assert.equal(loadDataset({ dataset: 'cifar10', dataDir: writeCifar10(fresh(), 1, 1) }).name, 'cifar10');
    assert.equal(loadDataset({ dataset: 'cifar100', dataDir: writeCifar100(fresh(), 2, 1) }).numClasses, 100);
    assert.equal(loadDataset({ dataset: 'stl10', dataDir: writeStl10(fresh(), 1, 1) }).width, 96);
    assert.equal(loadDataset({ dataset: 'synthetic', subset: 20, testSubset: 10 }).name, 'synthetic');
  });

  it('applies subset and testSubset as views of the first images', () => {
    const dir = fresh();
    writeIdxFolder(dir, { train: 6, test: 5, h: 3, w: 3 });
    const full = loadDataset({ dataset: 'idx', dataDir: dir });
    const ds = loadDataset({ dataset: 'idx', dataDir: dir, subset: 2, testSubset: 4 });
    assert.equal(ds.train.count, 2);
    assert.equal(ds.train.images.length, 2 * 9);
    assert.deepEqual(Array.from(ds.train.labels), labelsFor(2, 10));
    assert.deepEqual(Array.from(ds.train.images), Array.from(full.train.images.subarray(0, 18)));
    assert.equal(ds.test.count, 4);
    assert.equal(ds.test.labels.length, 4);
    // 0 and sizes past the end mean everything.
    assert.equal(loadDataset({ dataset: 'idx', dataDir: dir, subset: 0, testSubset: 99 }).test.count, 5);
  });

  it('rejects a negative or fractional subset', () => {
    assert.throws(() => loadDataset({ dataset: 'synthetic', subset: -1 }), /subset must be a whole number ≥ 0/);
    assert.throws(() => loadDataset({ dataset: 'synthetic', testSubset: 1.5 }), /testSubset must be a whole number ≥ 0/);
  });

  it('synthetic: subset sizes the generated set, seed changes it', () => {
    const a = loadDataset({ dataset: 'synthetic', subset: 30, testSubset: 12, seed: 5 });
    assert.equal(a.train.count, 30);
    assert.equal(a.test.count, 12);
    const b = loadDataset({ dataset: 'synthetic', subset: 30, testSubset: 12, seed: 6 });
    assert.ok(!Buffer.from(a.train.images).equals(Buffer.from(b.train.images)));
  });

  it('STL-10: subset also caps the unlabeled split', () => {
    const root = writeStl10(fresh(), 3, 1, 3);
    const ds = loadDataset({ dataset: 'stl10', dataDir: root, unlabeled: true, subset: 2 });
    assert.equal(ds.train.count, 2);
    assert.equal(ds.unlabeled?.count, 2);
    assert.equal(loadDataset({ dataset: 'stl10', dataDir: root }).unlabeled, undefined);
  });

  for (const kind of ['idx', 'cifar10', 'cifar100', 'stl10'] as const) {
    it(`${kind} without a data folder says to pass --data-dir DIR`, () => {
      assert.ok(datasetNeedsDir(kind));
      assert.throws(() => loadDataset({ dataset: kind }), new RegExp(`dataset '${kind}' needs a data folder: pass --data-dir DIR`));
    });
  }

  it('a data folder that does not exist is named', () => {
    const missing = path.join(tmp.dir, 'nope');
    assert.throws(() => loadDataset({ dataset: 'cifar10', dataDir: missing }), (e: Error) => {
      assert.ok(e.message.includes(`data folder ${missing} does not exist`), e.message);
      return true;
    });
  });

  it('mnist and synthetic need no folder', () => {
    assert.equal(datasetNeedsDir('mnist'), false);
    assert.equal(datasetNeedsDir('synthetic'), false);
    const ds = loadDataset({ dataset: 'mnist', subset: 100, testSubset: 50 });
    assert.equal(ds.train.count, 100);
    assert.equal(ds.test.count, 50);
    assert.equal(ds.train.labels[0], 5);
  });

  it('takeFirst does not copy', () => {
    const set = { images: new Uint8Array(12), labels: new Int32Array(3), count: 3 };
    const first = takeFirst(set, 2, 4);
    first.images[0] = 9;
    assert.equal(set.images[0], 9);
    assert.equal(takeFirst(set, 0, 4), set);
  });
});

describe('describeDatasetDir', () => {
  const { fresh } = caseDirs('describe');
  const ok = (r: ReturnType<typeof describeDatasetDir>): string => {
    assert.ok(r.ok, r.ok ? '' : r.problem);
    return r.summary;
  };
  const problem = (r: ReturnType<typeof describeDatasetDir>): string => {
    assert.ok(!r.ok, r.ok ? `unexpectedly ok: ${r.summary}` : '');
    return r.problem;
  };

  it('summarises good folders of every kind', () => {
    const idx = fresh();
    writeIdxFolder(idx, { train: 7, test: 3, h: 5, w: 4 });
    assert.match(ok(describeDatasetDir('idx', idx)), /IDX: 7 training and 3 test images of 5×4×1/);
    const gz = fresh();
    writeIdxFolder(gz, { train: 300, test: 2, h: 9, w: 9, gzip: true });
    assert.match(ok(describeDatasetDir('idx', gz)), /IDX: 300 training and 2 test images of 9×9×1/);
    assert.match(ok(describeDatasetDir('cifar10', writeCifar10(fresh(), 2, 3))), /CIFAR-10: 10 training and 3 test images .*with class names/);
    assert.match(ok(describeDatasetDir('cifar100', path.dirname(writeCifar100(fresh(), 4, 1)))), /CIFAR-100: 4 training and 1 test/);
    assert.match(ok(describeDatasetDir('stl10', writeStl10(fresh(), 2, 1))), /STL-10: 2 training, 1 test images .*no unlabeled split/);
    assert.match(ok(describeDatasetDir('stl10', writeStl10(fresh(), 1, 1, 2))), /2 unlabeled/);
    assert.match(ok(describeDatasetDir('mnist', undefined)), /built-in MNIST \(60000 training and 10000 test images of 28×28×1/);
    assert.match(ok(describeDatasetDir('synthetic', undefined)), /synthetic/);
  });

  it('reports problems instead of throwing', () => {
    assert.match(problem(describeDatasetDir('cifar10', undefined)), /--data-dir DIR/);
    const empty = fresh();
    assert.match(problem(describeDatasetDir('idx', empty)), /missing dataset files/);
    assert.match(problem(describeDatasetDir('stl10', empty)), /cannot find test_X\.bin/);
    const root = writeCifar10(fresh(), 1, 1);
    fs.appendFileSync(path.join(root, 'data_batch_3.bin'), Buffer.from([1, 2, 3]));
    assert.match(problem(describeDatasetDir('cifar10', root)), /data_batch_3\.bin: .*found 3076 bytes/s);
  });

  it('finds truncated IDX files from header and size alone, raw or gzipped', () => {
    const raw = fresh();
    const files = writeIdxFolder(raw, { train: 4, test: 2, h: 3, w: 3 });
    fs.truncateSync(files['train-images-idx3-ubyte'], 16 + 9 * 3);
    assert.match(problem(describeDatasetDir('idx', raw)), /train-images-idx3-ubyte: expected 52 bytes .*found 43 bytes/s);
    const gz = fresh();
    const gzFiles = writeIdxFolder(gz, { train: 4, test: 2, h: 3, w: 3, gzip: true });
    fs.writeFileSync(gzFiles['t10k-images-idx3-ubyte'], zlib.gzipSync(idxImages(2, 3, 3).subarray(0, 20)));
    assert.match(problem(describeDatasetDir('idx', gz)), /t10k-images-idx3-ubyte\.gz: expected 34 bytes .*found 20 bytes after decompression/s);
  });

  it('gives a problem, not an ok, for a label/image count mismatch', () => {
    const dir = writeStl10(fresh(), 2, 1);
    fs.writeFileSync(path.join(dir, 'train_y.bin'), Buffer.from([1]));
    assert.match(problem(describeDatasetDir('stl10', dir)), /train_y\.bin: expected 2 bytes .*found 1/s);
    const c100 = writeCifar100(fresh(), 1, 1);
    fs.writeFileSync(path.join(c100, 'test.bin'), cifarRecord(0, [1]));
    assert.match(problem(describeDatasetDir('cifar100', c100)), /test\.bin: expected a whole number of 3074-byte records/);
  });

  it('covers every dataset kind of the protocol', () => {
    for (const kind of DATASET_KINDS) {
      const r = describeDatasetDir(kind, undefined);
      assert.equal(r.ok, !datasetNeedsDir(kind), kind);
    }
  });
});
