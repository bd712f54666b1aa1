import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/trainer/data/types';
import { makeSyntheticDataset } from '../../src/trainer/data/synthetic';
import { mulberry32 } from '../../src/trainer/random';

/** 1-nearest-neighbour accuracy of test on train with squared Euclidean distance on raw pixels. */
function nearestNeighbourAccuracy(ds: Dataset): number {
  const d = ds.height * ds.width * ds.channels;
  let correct = 0;
  for (let i = 0; i < ds.test.count; i++) {
    let best = Infinity;
    let bestLabel = -1;
    for (let j = 0; j < ds.train.count; j++) {
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const diff = ds.test.images[i * d + k] - ds.train.images[j * d + k];
        dist += diff * diff;
      }
      if (dist < best) {
        best = dist;
        bestLabel = ds.train.labels[j];
      }
    }
    if (bestLabel === ds.test.labels[i]) correct++;
  }
  return correct / ds.test.count;
}

describe('synthetic dataset', () => {
  it('mulberry32 is deterministic and roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10000 }, () => a());
    assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('the same seed gives the same bytes, another seed other bytes', () => {
    const opts = { trainCount: 40, testCount: 10, height: 12, width: 12 };
    const a = makeSyntheticDataset({ ...opts, seed: 7 });
    const b = makeSyntheticDataset({ ...opts, seed: 7 });
    const c = makeSyntheticDataset({ ...opts, seed: 8 });
    assert.ok(Buffer.from(a.train.images).equals(Buffer.from(b.train.images)));
    assert.ok(Buffer.from(a.test.images).equals(Buffer.from(b.test.images)));
    assert.deepEqual(a.train.labels, b.train.labels);
    assert.ok(!Buffer.from(a.train.images).equals(Buffer.from(c.train.images)));
  });

  it('the first N images do not depend on how many are generated', () => {
    const small = makeSyntheticDataset({ trainCount: 25, testCount: 5, seed: 3 });
    const big = makeSyntheticDataset({ trainCount: 60, testCount: 30, seed: 3 });
    const d = 28 * 28;
    assert.ok(Buffer.from(small.train.images).equals(Buffer.from(big.train.images.subarray(0, 25 * d))));
    assert.ok(Buffer.from(small.test.images).equals(Buffer.from(big.test.images.subarray(0, 5 * d))));
    assert.deepEqual(Array.from(small.train.labels), Array.from(big.train.labels.subarray(0, 25)));
  });

  it('has the requested shape and balanced labels', () => {
    const ds = makeSyntheticDataset({ numClasses: 4, trainCount: 40, testCount: 8, height: 10, width: 14, channels: 3 });
    assert.deepEqual([ds.height, ds.width, ds.channels, ds.numClasses], [10, 14, 3, 4]);
    assert.equal(ds.train.images.length, 40 * 10 * 14 * 3);
    assert.equal(ds.test.count, 8);
    const counts = [0, 0, 0, 0];
    for (const l of ds.train.labels) counts[l]++;
    assert.deepEqual(counts, [10, 10, 10, 10]);
    // Not a flat image: pixels use a good part of the 0..255 range.
    const img = ds.train.images;
    assert.ok(Math.max(...img) - Math.min(...img) > 150);
  });

  it('rejects nonsense options', () => {
    assert.throws(() => makeSyntheticDataset({ numClasses: 1 }), /numClasses must be an integer ≥ 2/);
    assert.throws(() => makeSyntheticDataset({ height: 2 }), /at least 4×4/);
  });

  for (const channels of [1, 3] as const) {
    it(`is learnable: 1-NN on raw pixels beats chance clearly (${channels} channel${channels > 1 ? 's' : ''})`, () => {
      const ds = makeSyntheticDataset({ numClasses: 10, trainCount: 300, testCount: 100, height: 16, width: 16, channels, seed: 1 });
      const acc = nearestNeighbourAccuracy(ds);
      assert.ok(acc > 0.6, `1-NN accuracy ${acc} (chance 0.1)`);
    });
  }

  it('is not trivial: with heavy noise raw-pixel 1-NN drops', () => {
    const easy = makeSyntheticDataset({ trainCount: 200, testCount: 100, height: 16, width: 16, seed: 2 });
    const hard = makeSyntheticDataset({ trainCount: 200, testCount: 100, height: 16, width: 16, seed: 2, noise: 0.6 });
    assert.ok(nearestNeighbourAccuracy(hard) < nearestNeighbourAccuracy(easy));
  });
});
