import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNeighbours } from '../../src/trainer/embeddings/knn';
import { QuadTree } from '../../src/trainer/embeddings/quadtree';
import { tsne } from '../../src/trainer/embeddings/tsne';
import { umap } from '../../src/trainer/embeddings/umap';
import { clusters, nearestNeighbourAgreement } from './helpers';

// Small on purpose: the suite shares two cores with other work.
const N = 120, D = 12, CLASSES = 3;

describe('t-SNE', () => {
  it('separates well-separated clusters, and the same seed gives the same layout', () => {
    const { vectors, labels } = clusters(N, D, CLASSES, 21, 10);
    const y = tsne(vectors, N, D, { perplexity: 10, iterations: 300, seed: 4 });
    assert.equal(y.length, 2 * N);
    assert.ok(y.every(Number.isFinite), 'finite coordinates');
    assert.equal(nearestNeighbourAgreement(y, labels), 1);
    assert.deepEqual(tsne(vectors, N, D, { perplexity: 10, iterations: 300, seed: 4 }), y);
    assert.notDeepEqual(tsne(vectors, N, D, { perplexity: 10, iterations: 300, seed: 5 }), y);
  });

  it('explains a perplexity too large for the data and too few iterations', () => {
    const { vectors } = clusters(30, 4, 2, 1);
    assert.throws(() => tsne(vectors, 30, 4, { perplexity: 30, iterations: 500, seed: 1 }), /needs at least 91 points, this embedding has 30; use a perplexity ≤ 9/);
    assert.throws(() => tsne(vectors, 30, 4, { perplexity: 5, iterations: 50, seed: 1 }), /iterations must be an integer from 100 to 10000; got 50/);
  });

  it('refuses an unbounded number of iterations at once instead of running for days (issue 18)', () => {
    const { vectors } = clusters(30, 4, 2, 1);
    assert.throws(() => tsne(vectors, 30, 4, { perplexity: 5, iterations: 1e12, seed: 1 }), /iterations must be an integer from 100 to 10000; got 1000000000000/);
    assert.throws(() => umap(vectors, 30, 4, { nNeighbors: 5, minDist: 0.1, nEpochs: 1e12, seed: 1 }), /UMAP epochs must be an integer from 0 \(automatic\) to 10000/);
  });
});

describe('UMAP (umap-js with a seeded random source)', () => {
  it('separates well-separated clusters, reproducibly', () => {
    const { vectors, labels } = clusters(N, D, CLASSES, 22, 10);
    const y = umap(vectors, N, D, { nNeighbors: 10, minDist: 0.1, nEpochs: 150, seed: 3 });
    assert.ok(y.every(Number.isFinite), 'finite coordinates');
    assert.equal(nearestNeighbourAgreement(y, labels), 1);
    assert.deepEqual(umap(vectors, N, D, { nNeighbors: 10, minDist: 0.1, nEpochs: 150, seed: 3 }), y);
  });

  it('explains bad parameters', () => {
    const { vectors } = clusters(10, 3, 2, 1);
    assert.throws(() => umap(vectors, 10, 3, { nNeighbors: 15, minDist: 0.1, nEpochs: 0, seed: 1 }), /neighbors \(15\) must be smaller than the number of points \(10\); use --neighbors ≤ 9/);
    assert.throws(() => umap(vectors, 10, 3, { nNeighbors: 5, minDist: 2, nEpochs: 0, seed: 1 }), /min-dist must be in \[0, 1\]/);
  });
});

describe('building blocks', () => {
  it('exact kNN (Euclidean) agrees with brute force, nearest first', () => {
    const { vectors } = clusters(50, 5, 2, 9);
    const nb = nearestNeighbours(vectors, 50, 5, 4, 'euclidean');
    for (let i = 0; i < 50; i++) {
      const d2 = Array.from({ length: 50 }, (_, j) => {
        let s = 0;
        for (let t = 0; t < 5; t++) s += (vectors[i * 5 + t] - vectors[j * 5 + t]) ** 2;
        return { j, s };
      })
        .filter((e) => e.j !== i)
        .sort((a, b) => a.s - b.s);
      assert.deepEqual(Array.from(nb.indices.subarray(i * 4, i * 4 + 4)), d2.slice(0, 4).map((e) => e.j), `row ${i}`);
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(nb.values[i * 4 + c] - d2[c].s) < 1e-4, `distance ${i},${c}`);
    }
  });

  it('Barnes–Hut repulsion with θ = 0 equals the exact sum, and coincident points do not loop forever', () => {
    const y = new Float64Array([0, 0, 1, 0, 0, 2, 3, 3, 3, 3, -1, 0.5]);
    const n = 6;
    const tree = new QuadTree(n);
    tree.build(y);
    const out = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      const sumQ = tree.repulsion(y, i, 0, out);
      let ex = 0, fx = 0, fy = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const q = 1 / (1 + dx * dx + dy * dy);
        ex += q;
        fx += q * q * dx;
        fy += q * q * dy;
      }
      assert.ok(Math.abs(sumQ - ex) < 1e-12 && Math.abs(out[0] - fx) < 1e-12 && Math.abs(out[1] - fy) < 1e-12, `point ${i}`);
    }
  });
});
