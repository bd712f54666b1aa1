import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cosineDistanceMatrix, knnAccuracy, normalizeRows, planeDistance, silhouette } from '../../src/trainer/embeddings/metrics';
import { CosineIndex } from '../../src/host/projection/neighbours';

function onLine(xs: number[]): Float32Array {
  return Float32Array.from(xs.flatMap((x) => [x, 0]));
}

function angles(list: number[]): Float32Array {
  return Float32Array.from(list.flatMap((a) => [Math.cos(a), Math.sin(a)]));
}

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('silhouette', () => {
  it('matches the hand computation on four points on a line', () => {
    // Class 0 at 0 and 1, class 1 at 4 and 6: s = (b − a) / max(a, b) per point.
    const expected = (4 / 5 + 3 / 4 + 1.5 / 3.5 + 3.5 / 5.5) / 4;
    const s = silhouette(all(4), Int32Array.from([0, 0, 1, 1]), planeDistance(onLine([0, 1, 4, 6])));
    assert.ok(s !== null && Math.abs(s - expected) < 1e-12, `got ${s}, expected ${expected}`);
  });

  it('counts a point alone in its class as 0, and is undefined (null) with one class', () => {
    const s = silhouette(all(3), Int32Array.from([0, 0, 1]), planeDistance(onLine([0, 1, 5])));
    assert.ok(s !== null && Math.abs(s - (0.8 + 0.75 + 0) / 3) < 1e-12, `got ${s}`);
    assert.equal(silhouette(all(3), Int32Array.from([2, 2, 2]), planeDistance(onLine([0, 1, 5]))), null);
  });

  it('uses cosine distance 1 − cos on normalised rows (tiled table = direct products, odd sizes included)', () => {
    const unit = normalizeRows(Float32Array.from([2, 0, 0, 3, 0, 0]), 3, 2);
    assert.deepEqual(Array.from(unit), [1, 0, 0, 1, 0, 0], 'an all-zero row stays zero');
    const n = 11, d = 7;
    const rows = normalizeRows(Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.3) + 0.2), n, d);
    const sample = Int32Array.from([10, 0, 3, 4, 7, 9, 1]); // 7 rows: neither tile size divides it
    const dist = cosineDistanceMatrix(rows, d, sample);
    for (const i of sample) {
      for (const j of sample) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += rows[i * d + t] * rows[j * d + t];
        assert.ok(Math.abs(dist(i, j) - (1 - dot)) < 1e-6, `d(${i}, ${j})`);
      }
    }
  });
});

describe('leave-one-out kNN accuracy (cosine)', () => {
  it('is 1 for clean clusters and 4/7 with one mislabelled point (hand-checked votes and tie-breaks)', () => {
    const clean = angles([-0.1, 0, 0.12, 1.5, 1.57, 1.64]);
    const cleanLabels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    assert.equal(knnAccuracy(clean, 6, 2, cleanLabels, { k: 2 }).accuracy, 1);
    // X at angle 0.05 labelled 1: X itself, and the class-0 points at 0 and 0.12 (1–1 votes whose tie goes
    // to the more similar X) are wrong; −0.1 (tie won by the point at 0) and the three class-1 points are right.
    const withX = angles([-0.1, 0, 0.12, 1.5, 1.57, 1.64, 0.05]);
    const r = knnAccuracy(withX, 7, 2, Int32Array.from([0, 0, 0, 1, 1, 1, 1]), { k: 2 });
    assert.equal(r.accuracy, 4 / 7);
    assert.equal(r.queries, 7);
    assert.equal(r.k, 2);
  });

  it('is null with a single class and samples at most maxQueries points', () => {
    assert.equal(knnAccuracy(angles([0, 1, 2]), 3, 2, Int32Array.from([1, 1, 1])).accuracy, null);
    const many = angles(Array.from({ length: 50 }, (_, i) => (i % 2) * 1.5 + i * 0.001));
    const r = knnAccuracy(many, 50, 2, Int32Array.from({ length: 50 }, (_, i) => i % 2), { k: 3, maxQueries: 10 });
    assert.equal(r.queries, 10);
    assert.equal(r.accuracy, 1);
  });
});

describe('host-side nearest neighbours of a clicked point', () => {
  it('ranks by cosine similarity, excludes the point itself, and ignores vector length', () => {
    const v = Float32Array.from([1, 0, 10, 1, 0, 1, -1, 0, 0.5, 0.5]);
    const idx = new CosineIndex(v, 5, 2);
    const r = idx.query(0, 3);
    assert.deepEqual(Array.from(r.neighbours), [1, 4, 2]);
    assert.ok(Math.abs(r.similarities[0] - 10 / Math.hypot(10, 1)) < 1e-6);
    assert.ok(Math.abs(r.similarities[1] - Math.SQRT1_2) < 1e-6);
    assert.equal(idx.query(0, 10).neighbours.length, 4, 'k is capped at n − 1');
    assert.throws(() => idx.query(5, 1), /point 5 is outside 0\.\.4/);
  });
});
