import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { certifyTop, directTopEigen, lanczosTopEigen, symmetricTopEigen, type TopEigen } from '../../src/trainer/embeddings/linalg';
import { covariance, fixSigns, pca } from '../../src/trainer/embeddings/pca';
import { seededNormal } from '../../src/trainer/embeddings/random';
import { clusters, jacobiReference } from './helpers';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tol ${tol})`);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('PCA on hand-checkable data', () => {
  it('points on a line: one axis along the line with all the variance, scores are the centred positions', () => {
    const u = [2, -1, 0, 2, 4].map((x) => x / 5); // unit length: 4+1+0+4+16 = 25
    const ts = [-3, -1, 0, 0.5, 2, 4.5];
    const offset = [1, 2, 3, 4, 5];
    const x = new Float32Array(ts.flatMap((t) => u.map((ui, k) => t * ui + offset[k])));
    const r = pca(x, ts.length, 5);
    const mean = ts.reduce((a, b) => a + b) / ts.length;
    const variance = ts.reduce((s, t) => s + (t - mean) ** 2, 0) / (ts.length - 1);
    close(r.variances[0], variance, 1e-5, 'variance along the line');
    close(r.variances[1], 0, 1e-5, 'variance across the line');
    close(r.explainedVariance[0], 1, 1e-6, 'explained variance');
    // Sign convention: the largest-magnitude entry (u[4] = 0.8) is positive, so the axis is +u.
    for (let k = 0; k < 5; k++) close(r.components[k], u[k], 1e-5, `axis[${k}]`);
    ts.forEach((t, i) => close(r.coords[2 * i], t - mean, 1e-4, `score ${i}`));
  });

  it('an ellipse with known semi-axes, rotated by 30°: axes and variances a²/2 and b²/2 (n − 1 divisor)', () => {
    const n = 400, a = 3, b = 1, rot = Math.PI / 6;
    const x = new Float32Array(n * 3);
    for (let k = 0; k < n; k++) {
      const th = (2 * Math.PI * k) / n;
      const p = a * Math.cos(th), q = b * Math.sin(th);
      x[3 * k] = p * Math.cos(rot) - q * Math.sin(rot) + 10;
      x[3 * k + 1] = p * Math.sin(rot) + q * Math.cos(rot) - 5;
      x[3 * k + 2] = 7; // constant third coordinate: zero variance
    }
    const r = pca(x, n, 3);
    const scale = n / (n - 1);
    close(r.variances[0], (a * a) / 2 * scale, 1e-5, 'major variance');
    close(r.variances[1], (b * b) / 2 * scale, 1e-5, 'minor variance');
    close(r.totalVariance, ((a * a + b * b) / 2) * scale, 1e-5, 'total variance');
    close(Math.abs(dot(r.components.subarray(0, 3), [Math.cos(rot), Math.sin(rot), 0])), 1, 1e-6, 'major axis direction');
    close(Math.abs(dot(r.components.subarray(3, 6), [-Math.sin(rot), Math.cos(rot), 0])), 1, 1e-6, 'minor axis direction');
    // Largest entries positive: the major axis is (cos 30°, sin 30°, 0), the minor (−sin 30°, cos 30°, 0).
    assert.ok(r.components[0] > 0 && r.components[4] > 0, 'deterministic signs');
    assert.ok(r.relativeResidual < 1e-10, `residual ${r.relativeResidual}`);
  });

  it('matches a dense Jacobi reference on clustered 80-D data, and the same input gives the same picture', () => {
    const { vectors } = clusters(300, 80, 5, 11);
    const r = pca(vectors, 300, 80, { components: 3 });
    const mean = new Float64Array(80);
    for (let i = 0; i < 300; i++) for (let t = 0; t < 80; t++) mean[t] += vectors[i * 80 + t] / 300;
    const ref = jacobiReference(covariance(vectors, 300, 80, mean), 80);
    for (let k = 0; k < 3; k++) {
      close(r.variances[k], ref.values[k], 1e-8 * ref.values[0], `eigenvalue ${k}`);
      close(Math.abs(dot(r.components.subarray(k * 80, (k + 1) * 80), ref.vectors[k])), 1, 1e-7, `axis ${k}`);
    }
    assert.deepEqual(pca(vectors, 300, 80, { components: 3 }).coords, r.coords);
  });

  it('512-D clustered rows take the Lanczos path and give the direct solver\'s axes, signs and variances', () => {
    const n = 1500, d = 512;
    const { vectors } = clusters(n, d, 10, 12);
    const r = pca(vectors, n, d, { components: 3 });
    assert.equal(r.eigenSolver, 'lanczos');
    const ref = directTopEigen(covariance(vectors, n, d, r.mean), d, 3);
    fixSigns(ref.vectors, 3, d);
    r.variances.forEach((v, k) => close(v, ref.values[k], 1e-12 * ref.values[0], `variance ${k}`));
    r.components.forEach((v, i) => close(v, ref.vectors[i], 1e-9, `component entry ${i}`));
    close(r.explainedVariance[0], ref.values[0] / r.totalVariance, 1e-12, 'explained variance ratio');
    assert.ok(r.relativeResidual <= 1e-10, `residual ${r.relativeResidual}`);
    assert.deepEqual(pca(vectors, n, d, { components: 3 }).coords, r.coords);
  });

  it('the covariance kernel equals the naive double loop (odd width exercises the padding)', () => {
    const rnd = seededNormal(5);
    const n = 37, d = 13;
    const x = Float32Array.from({ length: n * d }, () => rnd());
    const mean = new Float64Array(d).map((_, t) => Array.from({ length: n }, (_, i) => x[i * d + t]).reduce((a, b) => a + b) / n);
    const c = covariance(x, n, d, mean);
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
        close(c[a * d + b], s / (n - 1), 1e-9, `C[${a}][${b}]`);
      }
    }
  });

  it('rejects impossible requests with the reason', () => {
    assert.throws(() => pca(new Float32Array(6), 2, 3, { components: 4 }), /components must be an integer in \[1, d = 3\]/);
    assert.throws(() => pca(new Float32Array(5), 2, 3), /data has 5 values, expected n 2 × d 3/);
  });
});

describe('symmetricTopEigen', () => {
  /** Orthonormal rows from Gram–Schmidt of Gaussian rows, memoised: 512 × 512 costs ≈ 0.3 s to build. */
  const bases = new Map<string, Float64Array[]>();
  function randomBasis(d: number, seed: number): Float64Array[] {
    const key = `${d}:${seed}`;
    if (bases.has(key)) return bases.get(key)!;
    const rnd = seededNormal(seed);
    const q: Float64Array[] = [];
    for (let i = 0; i < d; i++) {
      const v = Float64Array.from({ length: d }, () => rnd());
      for (const w of q) {
        const p = dot(v, w);
        for (let t = 0; t < d; t++) v[t] -= p * w[t];
      }
      const nv = Math.sqrt(dot(v, v));
      q.push(v.map((x) => x / nv));
    }
    bases.set(key, q);
    return q;
  }

  /** Q Λ Qᵀ: a dense symmetric matrix with a chosen spectrum; vectors[k] is the eigenvector of eigenvalues[k]. */
  function randomSymmetric(d: number, eigenvalues: number[], seed: number): { matrix: Float64Array; vectors: Float64Array[] } {
    const vectors = randomBasis(d, seed);
    const matrix = new Float64Array(d * d);
    vectors.forEach((q, k) => {
      for (let a = 0; a < d; a++) {
        const c = eigenvalues[k] * q[a];
        for (let b = 0; b < d; b++) matrix[a * d + b] += c * q[b];
      }
    });
    return { matrix, vectors };
  }

  it('finds the leading eigenpairs of a random symmetric matrix (with negative eigenvalues too)', () => {
    const d = 40;
    const values = Array.from({ length: d }, (_, i) => 10 - i * 0.5);
    const r = symmetricTopEigen(randomSymmetric(d, values, 3).matrix, d, 4);
    r.values.forEach((v, i) => close(v, values[i], 1e-10, `λ${i}`));
    assert.ok(r.relativeResidual < 1e-10, `residual ${r.relativeResidual}`);
  });

  it('handles a repeated leading eigenvalue: orthonormal vectors spanning the eigenspace', () => {
    const d = 30;
    const values = [5, 5, 5, ...Array.from({ length: d - 3 }, (_, i) => 2 - i * 0.05)];
    const r = symmetricTopEigen(randomSymmetric(d, values, 8).matrix, d, 3);
    r.values.forEach((v, i) => close(v, 5, 1e-10, `λ${i}`));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        close(dot(r.vectors.subarray(i * d, (i + 1) * d), r.vectors.subarray(j * d, (j + 1) * d)), i === j ? 1 : 0, 1e-9, `v${i}·v${j}`);
      }
    }
    assert.ok(r.relativeResidual < 1e-9, `residual ${r.relativeResidual}`);
  });

  it('copes with 1 × 1 and 2 × 2 matrices and an all-zero matrix', () => {
    close(symmetricTopEigen(new Float64Array([4]), 1, 1).values[0], 4, 1e-14, '1 × 1');
    const two = symmetricTopEigen(new Float64Array([2, 1, 1, 2]), 2, 2);
    close(two.values[0], 3, 1e-12, 'λ0');
    close(two.values[1], 1, 1e-12, 'λ1');
    const zero = symmetricTopEigen(new Float64Array(16), 4, 2);
    zero.values.forEach((v, i) => close(v, 0, 1e-300, `zero λ${i}`));
    assert.equal(zero.relativeResidual, 0);
  });

  /** A PCA-like spectrum: nine cluster directions well above a dense noise bulk. */
  const pcaLike = (d: number) => [250, 237, 234, 220, 211, 196, 191, 166, 162, ...Array.from({ length: d - 9 }, (_, i) => 1.5 - (0.9 * i) / (d - 10))];

  /** Asserts r holds the k leading pairs of the known spectrum (vectors up to sign) to tol × λ₁. */
  function assertTopPairs(r: TopEigen, known: { values: number[]; vectors: Float64Array[] }, k: number, d: number, tol: number): void {
    const scale = Math.abs(known.values[0]);
    for (let i = 0; i < k; i++) {
      close(r.values[i], known.values[i], tol * scale, `λ${i}`);
      close(Math.abs(dot(r.vectors.subarray(i * d, (i + 1) * d), known.vectors[i])), 1, 1e-9, `|v${i}·q${i}|`);
    }
    assert.ok(r.relativeResidual <= 1e-10, `residual ${r.relativeResidual}`);
  }

  it('Lanczos on 512 × 512 with a PCA-like spectrum: the known pairs, as exact as the direct solver (k = 1, 2, 5)', () => {
    const d = 512;
    const values = pcaLike(d);
    const { matrix, vectors } = randomSymmetric(d, values, 21);
    const direct = directTopEigen(matrix, d, 5);
    for (const k of [1, 2, 5]) {
      const r = symmetricTopEigen(matrix, d, k);
      assert.equal(r.method, 'lanczos', `k = ${k}`);
      assertTopPairs(r, { values, vectors }, k, d, 1e-12);
      r.values.forEach((v, i) => close(v, direct.values[i], 1e-12 * values[0], `Lanczos vs direct λ${i}`));
    }
  });

  it('top = algebraically largest, also when negative eigenvalues dominate in magnitude (d = 300)', () => {
    const d = 300;
    const values = Array.from({ length: d }, (_, i) => 5 - i * 0.2); // 5 … −54.8
    const known = randomSymmetric(d, values, 4);
    assertTopPairs(symmetricTopEigen(known.matrix, d, 3), { values, vectors: known.vectors }, 3, d, 1e-12);
  });

  it('nearly equal leading eigenvalues far above the rest (gaps 1e-7 relative, d = 512): Lanczos resolves them exactly', () => {
    const d = 512;
    const values = [10, 10 - 1e-6, 10 - 2e-6, ...Array.from({ length: d - 3 }, (_, i) => 5 - (5 * i) / (d - 4))];
    const known = randomSymmetric(d, values, 21);
    const r = symmetricTopEigen(known.matrix, d, 2);
    assert.equal(r.method, 'lanczos');
    // Residual ≤ 1e-13 × λ₁ over a gap of 1e-6: each axis within 1e-6 rad of the true one.
    assertTopPairs(r, { values, vectors: known.vectors }, 2, d, 1e-13);
  });

  it('near-isotropic spectrum with nearly equal top eigenvalues (d = 512): Lanczos cannot vouch in its budget, the direct solver answers', () => {
    const d = 512;
    const values = [10, 10 - 1e-6, ...Array.from({ length: d - 2 }, (_, i) => 9.98 - (2 * i) / d)];
    const { matrix, vectors } = randomSymmetric(d, values, 21);
    assert.equal(lanczosTopEigen(matrix, d, 2), undefined);
    const r = symmetricTopEigen(matrix, d, 2);
    assert.equal(r.method, 'direct');
    for (let i = 0; i < 2; i++) {
      close(r.values[i], values[i], 1e-13 * values[0], `λ${i}`);
      // The direct solver's vectors are accurate to ≈ ε‖A‖ / gap ≈ 1e-9 here.
      close(Math.abs(dot(r.vectors.subarray(i * d, (i + 1) * d), vectors[i])), 1, 1e-9, `|v${i}·q${i}|`);
    }
  });

  it('falls back to the direct solver when the step budget is too small to converge, and not otherwise', () => {
    const d = 256;
    const values = pcaLike(d);
    const known = randomSymmetric(d, values, 9);
    assert.equal(lanczosTopEigen(known.matrix, d, 2, 6), undefined);
    const starved = symmetricTopEigen(known.matrix, d, 2, { maxSteps: 6 });
    assert.equal(starved.method, 'direct');
    assertTopPairs(starved, { values, vectors: known.vectors }, 2, d, 1e-12);
    assert.equal(symmetricTopEigen(known.matrix, d, 2).method, 'lanczos');
    assert.equal(symmetricTopEigen(known.matrix, d, 2, { maxSteps: 0 }).method, 'direct');
  });

  it('an exactly repeated top eigenvalue at d = 256: every copy is returned, orthonormal, whichever solver answers', () => {
    const d = 256;
    const values = [7, 7, 7, ...Array.from({ length: d - 3 }, (_, i) => 6 - (6 * i) / (d - 4))];
    const { matrix } = randomSymmetric(d, values, 9);
    const r = symmetricTopEigen(matrix, d, 4);
    [7, 7, 7, 6].forEach((v, i) => close(r.values[i], v, 1e-12 * 7, `λ${i}`));
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) close(dot(r.vectors.subarray(i * d, (i + 1) * d), r.vectors.subarray(j * d, (j + 1) * d)), i === j ? 1 : 0, 1e-9, `v${i}·v${j}`);
    }
    assert.ok(r.relativeResidual <= 1e-10, `residual ${r.relativeResidual}`);
  });

  it('certifyTop accepts the true leading pairs and rejects a set that skips a larger eigenvalue', () => {
    const d = 200;
    const values = [9, 8, 8, 5, ...Array.from({ length: d - 4 }, (_, i) => 4 - (8 * i) / d)];
    const { matrix, vectors } = randomSymmetric(d, values, 10);
    const pairs = (idx: number[]) => {
      const v = new Float64Array(idx.length * d);
      idx.forEach((k, i) => v.set(vectors[k], i * d));
      return certifyTop(matrix, d, idx.map((k) => values[k]), v, 1e-8 * 9, 9);
    };
    assert.equal(pairs([0, 1]), true, 'top two (λ₃ = λ₂ is a tie, not a miss)');
    assert.equal(pairs([0, 1, 2, 3]), true, 'top four');
    assert.equal(pairs([0, 3]), false, 'skips 8, 8');
    assert.equal(pairs([1, 2]), false, 'skips 9');
    assert.equal(pairs([0, 1, 3]), false, 'skips the second 8');
  });
});
