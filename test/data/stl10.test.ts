import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeStl10, loadStl10, stlToHwc } from '../../src/trainer/data/stl10';
import { firstMismatch, labelsFor, STL_IMAGE, stlImage, writeStl10, caseDirs } from './formats';

describe('STL-10 binary reader', () => {
  const { fresh } = caseDirs('stl');

  it('transposes a known pixel: file byte (c=1, x=10, y=2) lands at HWC (y=2, x=10, c=1)', () => {
    const src = new Uint8Array(STL_IMAGE);
    src[1 * 9216 + 10 * 96 + 2] = 255;
    const dst = new Uint8Array(STL_IMAGE);
    stlToHwc(src, 0, dst, 0);
    assert.equal(dst[(2 * 96 + 10) * 3 + 1], 255);
    assert.equal(dst.reduce((a, b) => a + b, 0), 255, 'exactly one byte set');
  });

  it('reads train/test from the parent folder, labels 1..10 → 0..9, every pixel in place', () => {
    const root = writeStl10(fresh(), 3, 2);
    fs.writeFileSync(path.join(root, 'class_names.txt'), 'airplane\nbird\ncar\ncat\ndeer\ndog\nhorse\nmonkey\nship\ntruck\n');
    const ds = loadStl10(path.dirname(root), { unlabeled: false });
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [96, 96, 3, 10]);
    assert.equal(ds.train.count, 3);
    assert.equal(ds.test.count, 2);
    assert.deepEqual(Array.from(ds.train.labels), labelsFor(3, 10));
    assert.deepEqual(Array.from(ds.test.labels), labelsFor(2, 10));
    assert.equal(firstMismatch(ds.train.images, [0, 1, 2], 96, 96, 3), undefined);
    assert.equal(firstMismatch(ds.test.images, [100, 101], 96, 96, 3), undefined);
    assert.equal(ds.unlabeled, undefined);
    assert.equal(ds.classNames?.[7], 'monkey');
  });

  it('loads the unlabeled split only when asked, optionally only its first images', () => {
    const root = writeStl10(fresh(), 1, 1, 3);
    assert.equal(loadStl10(root, { unlabeled: false }).unlabeled, undefined);
    const all = loadStl10(root, { unlabeled: true });
    assert.equal(all.unlabeled?.count, 3);
    assert.deepEqual(Array.from(all.unlabeled?.labels ?? []), [-1, -1, -1]);
    assert.equal(firstMismatch(all.unlabeled?.images ?? new Uint8Array(), [200, 201, 202], 96, 96, 3), undefined);
    const two = loadStl10(root, { unlabeled: true, unlabeledLimit: 2 });
    assert.equal(two.unlabeled?.count, 2);
    assert.equal(two.unlabeled?.images.length, 2 * STL_IMAGE);
  });

  it('asking for a missing unlabeled split names the file and folder', () => {
    const root = writeStl10(fresh(), 1, 1);
    assert.throws(() => loadStl10(root, { unlabeled: true }), (e: Error) => {
      assert.ok(e.message.includes(`missing dataset files in ${root}`), e.message);
      assert.match(e.message, /unlabeled_X\.bin/);
      return true;
    });
  });

  it('a truncated image file names the file, the image size and the official size', () => {
    const root = writeStl10(fresh(), 2, 1);
    const file = path.join(root, 'train_X.bin');
    fs.writeFileSync(file, Buffer.concat([stlImage(0), stlImage(1).subarray(0, 100)]));
    for (const run of [() => loadStl10(root, { unlabeled: false }), () => describeStl10(root)]) {
      assert.throws(run, (e: Error) => {
        assert.ok(e.message.startsWith(`${file}: `), e.message);
        assert.match(e.message, /27648-byte records/);
        assert.match(e.message, /5000 records of 27648 = 138240000 bytes/);
        assert.match(e.message, /found 27748 bytes/);
        assert.match(e.message, /STL-10 binary version/);
        return true;
      });
    }
  });

  it('a label file of the wrong length or with labels outside 1..10 is rejected', () => {
    const root = writeStl10(fresh(), 2, 1);
    const labels = path.join(root, 'test_y.bin');
    fs.writeFileSync(labels, Buffer.from([1, 2]));
    assert.throws(() => loadStl10(root, { unlabeled: false }), /test_y\.bin: expected 1 bytes .*found 2/s);
    assert.throws(() => describeStl10(root), /test_y\.bin: expected 1 bytes .*found 2/s);
    fs.writeFileSync(labels, Buffer.from([0]));
    assert.throws(() => loadStl10(root, { unlabeled: false }), /test_y\.bin: label 0 of image 0 is outside 1\.\.10/);
  });

  it('missing labelled files are all listed', () => {
    const root = writeStl10(fresh(), 1, 1);
    fs.rmSync(path.join(root, 'train_y.bin'));
    fs.rmSync(path.join(root, 'test_y.bin'));
    assert.throws(() => loadStl10(root, { unlabeled: false }), /missing dataset files in .*stl10_binary.*\n\s+train_y\.bin\n\s+test_y\.bin/s);
  });
});
