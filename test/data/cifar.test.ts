import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCifar10, loadCifar100, describeCifar10, chwToHwc } from '../../src/trainer/data/cifar';
import { cifarRecord, firstMismatch, writeCifar10, writeCifar100, caseDirs } from './formats';

describe('CIFAR binary readers', () => {
  const { fresh } = caseDirs('cifar');

  it('chwToHwc puts channel c of pixel p at 3p + c', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 10, 20, 30, 40, 100, 101, 102, 103]);
    const dst = new Uint8Array(12);
    chwToHwc(src, 0, dst, 0, 4);
    assert.deepEqual(Array.from(dst), [1, 10, 100, 2, 20, 101, 3, 30, 102, 4, 40, 103]);
  });

  it('reads CIFAR-10 from the parent folder or the folder itself, CHW → HWC', () => {
    const parent = fresh();
    const root = writeCifar10(parent, 3, 4);
    for (const dir of [parent, root]) {
      const ds = loadCifar10(dir);
      assert.equal(ds.name, 'cifar10');
      assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [32, 32, 3, 10]);
      assert.equal(ds.train.count, 15);
      assert.equal(ds.test.count, 4);
      assert.equal(ds.train.images.length, 15 * 3072);
      assert.deepEqual(Array.from(ds.train.labels), Array.from({ length: 15 }, (_, i) => i % 10));
      assert.deepEqual(Array.from(ds.test.labels), [3, 4, 5, 6]);
      assert.equal(firstMismatch(ds.train.images, Array.from({ length: 15 }, (_, i) => i), 32, 32, 3), undefined);
      assert.equal(firstMismatch(ds.test.images, [1000, 1001, 1002, 1003], 32, 32, 3), undefined);
      assert.equal(ds.classNames?.[0], 'airplane');
      assert.equal(ds.classNames?.length, 10);
    }
  });

  it('class names are optional', () => {
    const ds = loadCifar10(writeCifar10(fresh(), 1, 1, false));
    assert.equal(ds.classNames, undefined);
  });

  it('reads CIFAR-100 with the fine label', () => {
    const root = writeCifar100(fresh(), 6, 2);
    const ds = loadCifar100(path.dirname(root));
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [32, 32, 3, 100]);
    assert.equal(ds.train.count, 6);
    assert.deepEqual(Array.from(ds.train.labels), [0, 13, 26, 39, 52, 65]);
    assert.deepEqual(Array.from(ds.test.labels), [500 * 13 % 100, 501 * 13 % 100]);
    assert.equal(firstMismatch(ds.train.images, [0, 1, 2, 3, 4, 5], 32, 32, 3), undefined);
    assert.equal(firstMismatch(ds.test.images, [500, 501], 32, 32, 3), undefined);
    assert.equal(ds.classNames?.[99], 'class_99');
  });

  it('a truncated batch names the file, the record size, the official size and what was found', () => {
    const root = writeCifar10(fresh(), 2, 2);
    const file = path.join(root, 'test_batch.bin');
    fs.writeFileSync(file, Buffer.concat([cifarRecord(0, [1]), cifarRecord(1, [2]).subarray(0, 1000)]));
    for (const run of [() => loadCifar10(root), () => describeCifar10(root)]) {
      assert.throws(run, (e: Error) => {
        assert.ok(e.message.startsWith(`${file}: `), e.message);
        assert.match(e.message, /3073-byte records/);
        assert.match(e.message, /30730000 bytes/);
        assert.match(e.message, /found 4073 bytes \(1 records and 1000 stray bytes\)/);
        assert.match(e.message, /truncated/);
        assert.match(e.message, /CIFAR-10 binary version/);
        return true;
      });
    }
  });

  it('a CIFAR-100 file given as CIFAR-10 fails on its size', () => {
    const root = writeCifar10(fresh(), 2, 2);
    fs.writeFileSync(path.join(root, 'data_batch_2.bin'), Buffer.concat([cifarRecord(0, [1, 2]), cifarRecord(1, [1, 2])]));
    assert.throws(() => loadCifar10(root), /data_batch_2\.bin: expected a whole number of 3073-byte records .*found 6148 bytes/s);
  });

  it('an out-of-range label names the file and record', () => {
    const root = writeCifar10(fresh(), 2, 2);
    fs.writeFileSync(path.join(root, 'data_batch_4.bin'), Buffer.concat([cifarRecord(0, [1]), cifarRecord(1, [12])]));
    assert.throws(() => loadCifar10(root), /data_batch_4\.bin: label 12 of record 1 is outside 0\.\.9/);
  });

  it('missing batches are all listed with their folder', () => {
    const root = writeCifar10(fresh(), 1, 1);
    fs.rmSync(path.join(root, 'data_batch_2.bin'));
    fs.rmSync(path.join(root, 'data_batch_5.bin'));
    assert.throws(() => loadCifar10(root), (e: Error) => {
      assert.ok(e.message.includes(`missing dataset files in ${root}`), e.message);
      assert.match(e.message, /data_batch_2\.bin\n\s+data_batch_5\.bin/);
      return true;
    });
  });

  it('a folder without the dataset says where it looked', () => {
    const dir = fresh();
    assert.throws(() => loadCifar100(dir), (e: Error) => {
      assert.ok(e.message.includes(`cannot find test.bin in ${dir} or in ${path.join(dir, 'cifar-100-binary')}`), e.message);
      return true;
    });
  });
});
