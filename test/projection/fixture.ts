/**
 * The recorded runs behind the browser test (test/fixtures/projection/): two small runs ("InfoNCE" and
 * "DCL"), each with encoder snapshots at epochs 1 and 3, 12 × 12 digit thumbnails and cached PCA
 * projections — written by the real writer and `project()`. Regenerate with
 * `UPDATE_PROJECTION_FIXTURE=1 node --test .tmp-tests/proj/projection/fixture.test.js`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProjection } from '../../src/trainer/embeddings/cache';
import { writeEmbedding, writeSampleImages } from '../../src/trainer/embeddings/format';
import { project } from '../../src/trainer/embeddings/project';
import { seededNormal } from '../../src/trainer/embeddings/random';
import { fixture } from '../helpers/paths';

export const FIXTURE_ROOT = fixture('projection');
export const FIXTURE_RUNS = ['infonce', 'dcl'] as const;
export const FIXTURE_EPOCHS = [1, 3] as const;
export const FIXTURE_POINTS = 500;
export const CLASS_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const DIM = 16;
const SIDE = 12;

/** 3 × 5 bitmaps of the digits, row by row. */
const GLYPHS = ['111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001', '111100111001111', '111100111101111', '111001010010010', '111101111101111', '111101111001111'];

/** Ten clusters on a ring (so two principal axes show them all); `noise` is the within-class spread. */
function ringEmbedding(seed: number, noise: number): { vectors: Float32Array; labels: Int32Array } {
  const rnd = seededNormal(seed);
  const vectors = new Float32Array(FIXTURE_POINTS * DIM);
  const labels = new Int32Array(FIXTURE_POINTS);
  const offsets = Array.from({ length: 10 }, () => Array.from({ length: DIM }, () => 0.4 * rnd()));
  for (let i = 0; i < FIXTURE_POINTS; i++) {
    const c = i % 10;
    labels[i] = c;
    const angle = (2 * Math.PI * c) / 10;
    for (let t = 0; t < DIM; t++) {
      const centre = t === 0 ? 4 * Math.cos(angle) : t === 1 ? 4 * Math.sin(angle) : t === 2 ? 3 : offsets[c][t];
      vectors[i * DIM + t] = centre + noise * rnd();
    }
  }
  return { vectors, labels };
}

function digitImages(labels: Int32Array, seed: number): Uint8Array {
  const rnd = seededNormal(seed);
  const images = new Uint8Array(labels.length * SIDE * SIDE);
  labels.forEach((label, i) => {
    const glyph = GLYPHS[label];
    const dx = 3 + Math.round(rnd() * 0.6), dy = 1 + Math.round(rnd() * 0.6);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const gx = Math.floor((x - dx) / 2), gy = Math.floor((y - dy) / 2);
        const on = gx >= 0 && gx < 3 && gy >= 0 && gy < 5 && glyph[gy * 3 + gx] === '1';
        images[i * SIDE * SIDE + y * SIDE + x] = Math.max(0, Math.min(255, (on ? 230 : 20) + 12 * rnd()));
      }
    }
  });
  return images;
}

export function generateProjectionFixture(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  FIXTURE_RUNS.forEach((id, r) => {
    const runDir = path.join(root, id);
    fs.mkdirSync(runDir, { recursive: true });
    const loss = id === 'infonce' ? 'infonce' : 'dcl';
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ name: id === 'infonce' ? 'InfoNCE fixture' : 'DCL fixture', loss, temperature: 0.2, encoder: 'mlp', dataset: 'synthetic', batchSize: 128 }, null, 1) + '\n');
    let labels: Int32Array = new Int32Array(0);
    for (const epoch of FIXTURE_EPOCHS) {
      // Later epochs and DCL: tighter clusters.
      const noise = (epoch === 1 ? 1.7 : 0.8) * (loss === 'dcl' ? 0.75 : 1);
      const emb = ringEmbedding(100 * r + epoch, noise);
      labels = emb.labels;
      writeEmbedding(runDir, { epoch, step: epoch * 40, layer: 'encoder', dataset: 'synthetic', vectors: emb.vectors, dim: DIM, labels, indices: Int32Array.from({ length: FIXTURE_POINTS }, (_, i) => i), classNames: CLASS_NAMES }, 0);
      project({ runDir, epoch, layer: 'encoder', method: 'pca' });
    }
    writeSampleImages(runDir, digitImages(labels, 7 + r), FIXTURE_POINTS, SIDE, SIDE, 1, Int32Array.from({ length: FIXTURE_POINTS }, (_, i) => i));
  });
}

/** The cached PCA projection of `epoch` in a fixture run (file names carry a key that depends on mtimes). */
export function fixtureProjection(runDir: string, epoch: number): string {
  const dir = path.join(runDir, 'embeddings');
  const hit = fs
    .readdirSync(dir)
    .filter((f) => /^proj-[0-9a-f]{16}\.json$/.test(f))
    .map((f) => path.join(dir, f))
    .find((f) => {
      const h = readProjection(f).header;
      return h.method === 'pca' && h.epoch === epoch;
    });
  if (!hit) throw new Error(`${dir} has no PCA projection of epoch ${epoch}; regenerate the fixture (see test/projection/fixture.ts)`);
  return hit;
}
