import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { findIdxFiles, loadIdxFolder, readIdxImages, readIdxLabels } from '../../src/trainer/data/idx';
import { firstMismatch, idxImages, idxLabels, labelsFor, writeIdxFolder, caseDirs } from './formats';

describe('IDX reader (MNIST / Fashion-MNIST format)', () => {
  const { fresh } = caseDirs('idx');

  for (const variant of [{ gzip: false, dotted: false }, { gzip: true, dotted: false }, { gzip: false, dotted: true }, { gzip: true, dotted: true }]) {
    it(`reads a folder (gzip=${variant.gzip}, dotted names=${variant.dotted})`, () => {
      const dir = fresh();
      writeIdxFolder(dir, { train: 7, test: 3, h: 5, w: 4, ...variant });
      const ds = loadIdxFolder(dir, 'idx');
      assert.equal(ds.height, 5);
      assert.equal(ds.width, 4);
      assert.equal(ds.channels, 1);
      assert.equal(ds.train.count, 7);
      assert.equal(ds.test.count, 3);
      assert.equal(ds.train.images.length, 7 * 20);
      assert.deepEqual(Array.from(ds.train.labels), labelsFor(7, 10));
      assert.deepEqual(Array.from(ds.test.labels), labelsFor(3, 10));
      assert.equal(firstMismatch(ds.train.images, [0, 1, 2, 3, 4, 5, 6], 5, 4, 1), undefined);
      assert.equal(firstMismatch(ds.test.images, [0, 1, 2], 5, 4, 1), undefined);
      assert.ok(ds.train.labels instanceof Int32Array);
      assert.equal(Buffer.isBuffer(ds.train.images), false, 'images must be a plain Uint8Array (Buffer#slice does not copy)');
    });
  }

  it('numClasses is the largest label + 1 unless given', () => {
    const dir = fresh();
    writeIdxFolder(dir, { train: 4, test: 2 });
    // labelsFor(4) = 3,0,7,4 and labelsFor(2) = 3,0: the largest is 7.
    assert.equal(loadIdxFolder(dir, 'idx').numClasses, 8);
    assert.equal(loadIdxFolder(dir, 'idx', { numClasses: 10 }).numClasses, 10);
  });

  it('a truncated image file names the file, the expected and the found size', () => {
    const dir = fresh();
    const file = path.join(dir, 'imgs');
    fs.writeFileSync(file, idxImages(3, 4, 4).subarray(0, 16 + 2 * 16 + 5));
    assert.throws(() => readIdxImages(file), (e: Error) => {
      assert.match(e.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(e.message, /expected 64 bytes/);
      assert.match(e.message, /found 53 bytes/);
      assert.match(e.message, /truncated/);
      assert.match(e.message, /[Rr]e-download/);
      return true;
    });
  });

  it('a truncated gzipped file is reported with its decompressed size', () => {
    const dir = fresh();
    const file = path.join(dir, 'imgs.gz');
    fs.writeFileSync(file, zlib.gzipSync(idxImages(3, 4, 4).subarray(0, 40)));
    assert.throws(() => readIdxImages(file), /imgs\.gz: expected 64 bytes .*found 40 bytes after decompression/s);
  });

  it('a cut-off gzip stream says it cannot be decompressed', () => {
    const dir = fresh();
    const file = path.join(dir, 'imgs.gz');
    const gz = zlib.gzipSync(idxImages(20, 8, 8));
    fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
    assert.throws(() => readIdxImages(file), /imgs\.gz: cannot decompress .*truncated or corrupt/s);
  });

  it('a header shorter than its dimensions is truncated', () => {
    const dir = fresh();
    const file = path.join(dir, 'short');
    fs.writeFileSync(file, idxImages(1, 2, 2).subarray(0, 10));
    assert.throws(() => readIdxImages(file), /short: expected an IDX header of 16 bytes, found only 10 bytes/);
  });

  it('wrong magic names the expected and found magic and spots swapped files', () => {
    const dir = fresh();
    const labels = path.join(dir, 'labels');
    fs.writeFileSync(labels, idxLabels([1, 2, 3]));
    assert.throws(() => readIdxImages(labels), (e: Error) => {
      assert.match(e.message, /labels: expected magic 0x00000803/);
      assert.match(e.message, /found 0x00000801/);
      assert.match(e.message, /swapped/);
      return true;
    });
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, Buffer.from('PK\x03\x04 this is a zip file'));
    assert.throws(() => readIdxLabels(junk), /junk: expected magic 0x00000801 .*found 0x504b0304/s);
  });

  it('trailing bytes are an error too', () => {
    const dir = fresh();
    const file = path.join(dir, 'long');
    fs.writeFileSync(file, Buffer.concat([idxLabels([1, 2]), Buffer.from([9])]));
    assert.throws(() => readIdxLabels(file), /long: expected 10 bytes .*found 11 bytes: the file has trailing data/s);
  });

  it('label and image counts must agree', () => {
    const dir = fresh();
    const files = writeIdxFolder(dir, { train: 4, test: 2 });
    fs.writeFileSync(files['train-labels-idx1-ubyte'], idxLabels([1, 2, 3]));
    assert.throws(() => loadIdxFolder(dir, 'idx'), /train-labels-idx1-ubyte holds 3 labels but .*train-images-idx3-ubyte holds 4 images/s);
  });

  it('a missing file lists every expected name and the folder', () => {
    const dir = fresh();
    writeIdxFolder(dir, { train: 2, test: 2 });
    fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte'));
    assert.throws(() => findIdxFiles(dir), (e: Error) => {
      assert.ok(e.message.includes(`missing dataset files in ${dir}`), e.message);
      assert.match(e.message, /t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz or t10k-labels\.idx1-ubyte/);
      assert.doesNotMatch(e.message, /train-images/);
      return true;
    });
  });
});
