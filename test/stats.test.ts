import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { histogram, percentileOfSorted, summarizeNpc } from '../src/shared/stats';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES } from '../src/shared/protocol';

describe('NPC summary statistics', () => {
  it('mean, population std and Cv by hand', () => {
    const s = summarizeNpc([0.2, 0.4, 0.6, 0.8]);
    assert.equal(s.count, 4);
    assert.ok(Math.abs(s.mean - 0.5) < 1e-12);
    const std = Math.sqrt((0.09 + 0.01 + 0.01 + 0.09) / 4);
    assert.ok(Math.abs(s.std - std) < 1e-12);
    assert.ok(Math.abs(s.cv - std / 0.5) < 1e-12);
  });

  it("percentiles use numpy's linear interpolation at TensorBoard's bands", () => {
    const sorted = [0, 10, 20, 30, 40];
    assert.equal(percentileOfSorted(sorted, 0), 0);
    assert.equal(percentileOfSorted(sorted, 100), 40);
    assert.equal(percentileOfSorted(sorted, 50), 20);
    assert.ok(Math.abs(percentileOfSorted(sorted, 7) - 2.8) < 1e-12); // 0.07 * 4 = 0.28 of the way → 2.8
    const s = summarizeNpc([0.9, 0.1, 0.5, 0.3, 0.7]);
    assert.equal(s.percentiles.length, NPC_PERCENTILES.length);
    assert.equal(s.percentiles[0], 0.1);
    assert.equal(s.percentiles[4], 0.5);
    assert.equal(s.percentiles[8], 0.9);
  });

  it('histogram: fixed bins over [0, 1], 1.0 lands in the last bin, counts add up', () => {
    const h = histogram([0, 0.019, 0.02, 0.5, 0.999, 1], NPC_HISTOGRAM_BINS);
    assert.equal(h.length, 50);
    assert.equal(h[0], 2);
    assert.equal(h[1], 1);
    assert.equal(h[25], 1);
    assert.equal(h[49], 2);
    assert.equal(h.reduce((a, b) => a + b, 0), 6);
  });

  it('rejects an empty batch', () => {
    assert.throws(() => summarizeNpc([]), /empty/);
  });
});
