import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricTopEigen } from '../../src/trainer/embeddings/linalg';
import { covariance, pca } from '../../src/trainer/embeddings/pca';
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
  function randomSymmetric(d: number, eigenvalues: number[], seed: number): Float64Array {
    // Q Λ Qᵀ with Q orthonormal (Gram–Schmidt of Gaussian columns).
    const rnd = seededNormal(seed);
    const q: number[][] = [];
    for (let i = 0; i < d; i++) {
      const v = Array.from({ length: d }, () => rnd());
      for (const w of q) {
        const p = dot(v, w);
        for (let t = 0; t < d; t++) v[t] -= p * w[t];
      }
      const nv = Math.sqrt(dot(v, v));
      q.push(v.map((x) => x / nv));
    }
    const m = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) for (let k = 0; k < d; k++) m[a * d + b] += q[k][a] * eigenvalues[k] * q[k][b];
    return m;
  }

  it('finds the leading eigenpairs of a random symmetric matrix (with negative eigenvalues too)', () => {
    const d = 40;
    const values = Array.from({ length: d }, (_, i) => 10 - i * 0.5);
    const r = symmetricTopEigen(randomSymmetric(d, values, 3), d, 4);
    r.values.forEach((v, i) => close(v, values[i], 1e-10, `λ${i}`));
    assert.ok(r.relativeResidual < 1e-10, `residual ${r.relativeResidual}`);
  });

  it('handles a repeated leading eigenvalue: orthonormal vectors spanning the eigenspace', () => {
    const d = 30;
    const values = [5, 5, 5, ...Array.from({ length: d - 3 }, (_, i) => 2 - i * 0.05)];
    const r = symmetricTopEigen(randomSymmetric(d, values, 8), d, 3);
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
});
