/** Shared set-up for the projection tests: temporary run folders and reproducible clustered embeddings. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededNormal } from '../../src/trainer/embeddings/random';

export function tempDir(prefix = 'dcl-proj-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * n points in d dimensions, `classes` Gaussian clusters (point i belongs to class i % classes) whose centres
 * are `separation` apart on average, with unit-variance noise scaled by `noise`.
 */
export function clusters(n: number, d: number, classes: number, seed: number, separation = 6, noise = 1): { vectors: Float32Array; labels: Int32Array } {
  const rnd = seededNormal(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => (rnd() * separation) / Math.sqrt(2)));
  const vectors = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let t = 0; t < d; t++) vectors[i * d + t] = centres[c][t] + noise * rnd();
  }
  return { vectors, labels };
}

/** Reference symmetric eigensolver (cyclic Jacobi, dense, small n): eigenvalues descending, vectors as rows. */
export function jacobiReference(matrix: Float64Array, n: number): { values: number[]; vectors: number[][] } {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => matrix[i * n + j]));
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

/** Fraction of points whose nearest other point (2-D) has the same label: 1 = perfectly separated picture. */
export function nearestNeighbourAgreement(coords: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (coords[2 * i] - coords[2 * j]) ** 2 + (coords[2 * i + 1] - coords[2 * j + 1]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    if (labels[best] === labels[i]) agree++;
  }
  return agree / n;
}
