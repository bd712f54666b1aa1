import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignSets } from '../../webview/charts/data/align';
import { gather, lowerBound, minMaxIndices, upperBound } from '../../webview/charts/data/downsample';

function noisySeries(n: number, seed = 1): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = i;
    y[i] = Math.sin(i / 500) + (s / 2147483647 - 0.5) * 0.2;
  }
  return { x, y };
}

test('keeps every spike and dip of a 100 000-point series', () => {
  const { x, y } = noisySeries(100_000);
  y[31_337] = 50;
  y[77_001] = -50;
  const idx = minMaxIndices(x, [y], 800);
  const kept = gather(y, idx);
  assert.ok(kept.includes(50), 'the spike is kept');
  assert.ok(kept.includes(-50), 'the dip is kept');
});

test('bounds the point count by 2 · buckets · columns + 2 and keeps the ends', () => {
  const { x, y } = noisySeries(100_000);
  const y2 = y.map((v) => -v);
  for (const buckets of [1, 10, 333, 1000]) {
    const idx = minMaxIndices(x, [y, y2], buckets);
    assert.ok(idx.length <= 2 * buckets * 2 + 2, `${idx.length} points for ${buckets} buckets`);
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], 99_999);
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'ascending, no duplicates');
  }
});

test('every bucket’s extrema survive: the envelope of the downsampled series equals the original per bucket', () => {
  const { x, y } = noisySeries(10_000, 7);
  const buckets = 50;
  const idx = minMaxIndices(x, [y], buckets);
  const keptSet = new Set(idx);
  const per = (10_000 - 2) / buckets;
  for (let k = 0; k < buckets; k++) {
    const from = 1 + Math.floor(k * per);
    const to = 1 + Math.floor((k + 1) * per);
    let minI = from;
    let maxI = from;
    for (let i = from; i < to; i++) {
      if (y[i] < y[minI]) minI = i;
      if (y[i] > y[maxI]) maxI = i;
    }
    assert.ok(keptSet.has(minI) && keptSet.has(maxI), `bucket ${k}`);
  }
});

test('short series are returned whole', () => {
  const idx = minMaxIndices([0, 1, 2, 3], [[5, 6, 7, 8]], 100);
  assert.deepEqual([...idx], [0, 1, 2, 3]);
});

test('a zoom window downsamples only what is inside it, plus one neighbour each side', () => {
  const { x, y } = noisySeries(10_000);
  const idx = minMaxIndices(x, [y], 2000, { min: 100.5, max: 200.5 });
  assert.equal(idx[0], 100);
  assert.equal(idx[idx.length - 1], 201);
  assert.equal(idx.length, 102, 'all 100 points in the window are kept, they fit the buckets');
});

test('NaN values do not count as extrema', () => {
  const y = Float64Array.from({ length: 1000 }, (_, i) => (i % 2 ? NaN : i));
  const x = Float64Array.from({ length: 1000 }, (_, i) => i);
  const kept = gather(y, minMaxIndices(x, [y], 10));
  assert.ok(kept.includes(998));
});

test('binary searches find the window edges', () => {
  const x = [0, 1, 1, 2, 5];
  assert.equal(lowerBound(x, 1), 1);
  assert.equal(upperBound(x, 1), 3);
  assert.equal(lowerBound(x, 6), 5);
  assert.equal(upperBound(x, -1), 0);
});

test('aligning runs that logged at different x values fills gaps with null', () => {
  const aligned = alignSets([
    { x: [0, 2, 4], ys: [[10, 12, 14]] },
    { x: [1, 2, 3], ys: [[21, 22, 23]] },
  ]);
  assert.deepEqual([...aligned.x], [0, 1, 2, 3, 4]);
  assert.deepEqual(aligned.ys[0], [10, null, 12, null, 14]);
  assert.deepEqual(aligned.ys[1], [null, 21, 22, 23, null]);
});

test('runs logged at the same x values are aligned without copies or nulls', () => {
  const a = Float64Array.of(1, 2);
  const b = Float64Array.of(3, 4);
  const aligned = alignSets([
    { x: [0, 1], ys: [a] },
    { x: [0, 1], ys: [b] },
  ]);
  assert.equal(aligned.ys[0], a);
  assert.equal(aligned.ys[1], b);
});
