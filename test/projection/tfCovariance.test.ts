import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { covariance, pca } from '../../src/trainer/embeddings/pca';
import { readsSynchronously } from '../../src/trainer/syncReads';
import { tfCovariance } from '../../src/trainer/embeddings/tfCovariance';

describe('PCA covariance on TensorFlow.js (what the project CLI uses)', () => {
  it('matches the plain-JS covariance and gives the same components', async () => {
    const n = 301;
    const d = 17;
    const x = new Float32Array(n * d);
    let s = 7;
    for (let i = 0; i < x.length; i++) {
      s = (s * 16807) % 2147483647;
      // Column-dependent scales so the top components are well separated.
      x[i] = (s / 2147483647 - 0.5) * (1 + (i % d));
    }
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += x[i * d + t] / n;
    const fast = await tfCovariance();
    assert.ok(fast, 'a CPU backend reads synchronously, so the TensorFlow.js covariance is used');
    const a = covariance(x, n, d, mean);
    const b = fast(x, n, d, mean);
    const scale = Math.max(...a.map(Math.abs));
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * scale, `entry ${i}: ${v} vs ${b[i]}`));
    const p1 = pca(x, n, d);
    const p2 = pca(x, n, d, { covariance: fast });
    p1.variances.forEach((v, i) => assert.ok(Math.abs(v - p2.variances[i]) <= 1e-5 * p1.variances[0]));
    p1.components.forEach((v, i) => assert.ok(Math.abs(v - p2.components[i]) <= 1e-4, `component entry ${i}`));
  });

  it('is declined (the plain-JS covariance is used) on a backend that cannot read synchronously', () => {
    assert.equal(readsSynchronously('webgpu'), false);
    for (const b of ['native', 'wasm', 'cpu', 'tensorflow']) assert.equal(readsSynchronously(b), true, b);
  });
});
