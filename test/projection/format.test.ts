import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findEmbedding,
  listEmbeddings,
  readEmbedding,
  readSampleImages,
  writeEmbedding,
  writeSampleImages,
  type EmbeddingSnapshot,
} from '../../src/trainer/embeddings/format';
import { parseEmbeddingHeader } from '../../src/shared/embeddingFiles';
import { parseProjectionToHost } from '../../src/shared/projectionMessages';
import { clusters, tempDir } from './helpers';

function snapshot(epoch: number, layer: 'encoder' | 'projection' = 'encoder', n = 20, d = 4): EmbeddingSnapshot {
  const { vectors, labels } = clusters(n, d, 3, epoch + 1);
  return { epoch, step: epoch * 100, layer, dataset: 'synthetic', vectors, dim: d, labels, indices: Int32Array.from({ length: n }, (_, i) => 1000 + i), classNames: ['a', 'b', 'c'] };
}

describe('embedding snapshot files', () => {
  it('round-trips vectors, labels, indices and the header', () => {
    const { dir, cleanup } = tempDir();
    try {
      const s = snapshot(3);
      const rel = writeEmbedding(dir, s);
      assert.equal(rel, 'embeddings/e0003-encoder.json');
      const back = readEmbedding(path.join(dir, rel));
      assert.deepEqual(back.vectors, s.vectors);
      assert.deepEqual(back.labels, s.labels);
      assert.deepEqual(back.indices, s.indices);
      assert.deepEqual(back.header, {
        schemaVersion: 1, count: 20, dim: 4, epoch: 3, step: 300, layer: 'encoder', dataset: 'synthetic',
        vectors: 'e0003-encoder.f32', labels: 'e0003-encoder-labels.i32', indices: 'e0003-encoder-indices.i32', classNames: ['a', 'b', 'c'],
      });
      // Little-endian on disk whatever the host: check one value byte by byte.
      const raw = fs.readFileSync(path.join(dir, 'embeddings', 'e0003-encoder.f32'));
      assert.equal(raw.readFloatLE(4), s.vectors[1]);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'embeddings')).filter((f) => f.includes('.tmp')), [], 'no temporary files left');
    } finally {
      cleanup();
    }
  });

  it('names the file, the expected and the found size when a binary is truncated', () => {
    const { dir, cleanup } = tempDir();
    try {
      const rel = writeEmbedding(dir, snapshot(1));
      const f32 = path.join(dir, 'embeddings', 'e0001-encoder.f32');
      fs.truncateSync(f32, 100);
      assert.throws(() => readEmbedding(path.join(dir, rel)), (e: Error) => {
        assert.match(e.message, /e0001-encoder\.f32: expected 320 bytes \(count 20 × dim 4 × 4\), found 100; the file is truncated/);
        return true;
      });
      fs.rmSync(path.join(dir, 'embeddings', 'e0001-encoder-labels.i32'));
      fs.writeFileSync(f32, Buffer.alloc(320));
      assert.throws(() => readEmbedding(path.join(dir, rel)), /cannot read .*e0001-encoder-labels\.i32: ENOENT/);
    } finally {
      cleanup();
    }
  });

  it('keeps only the last `keepLast` epochs per layer and the projections made from them', () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const e of [1, 2, 3]) writeEmbedding(dir, snapshot(e, 'projection'), 2);
      const embDir = path.join(dir, 'embeddings');
      // A cached projection of epoch 4 must go when epoch 4 is pruned by the write of epoch 6.
      for (const e of [4, 5]) writeEmbedding(dir, snapshot(e, 'encoder'), 2);
      fs.writeFileSync(path.join(embDir, 'proj-00000000000000aa.json'), JSON.stringify({ source: 'embeddings/e0004-encoder.json', coords: 'proj-00000000000000aa.f32' }));
      fs.writeFileSync(path.join(embDir, 'proj-00000000000000aa.f32'), '');
      writeEmbedding(dir, snapshot(6, 'encoder'), 2);
      assert.deepEqual(listEmbeddings(dir).map((h) => `${h.layer}:${h.epoch}`), ['encoder:5', 'encoder:6', 'projection:2', 'projection:3']);
      assert.ok(!fs.existsSync(path.join(embDir, 'proj-00000000000000aa.json')), 'projection of a pruned epoch removed');
      assert.ok(!fs.existsSync(path.join(embDir, 'proj-00000000000000aa.f32')));
      assert.ok(!fs.readdirSync(embDir).some((f) => f.startsWith('e0001') || f.startsWith('e0004')), 'binaries of pruned epochs removed');
      assert.equal(findEmbedding(dir, 'encoder').epoch, 6);
      assert.throws(() => findEmbedding(dir, 'encoder', 4), /has no epoch 4 \(encoder\); available: epoch 5 encoder, epoch 6 encoder, epoch 2 projection, epoch 3 projection/);
      assert.throws(() => findEmbedding(path.join(dir, 'nope'), 'encoder'), /has written no embeddings yet/);
    } finally {
      cleanup();
    }
  });

  it('rejects inconsistent snapshots before writing anything', () => {
    const { dir, cleanup } = tempDir();
    try {
      const s = snapshot(1);
      assert.throws(() => writeEmbedding(dir, { ...s, dim: 5 }), /vectors has 80 values but labels says 20 rows × dim 5 = 100/);
      assert.throws(() => writeEmbedding(dir, { ...s, indices: new Int32Array(3) }), /indices has 3 entries, labels has 20/);
      assert.throws(() => writeEmbedding(dir, s, -1), /keepLast must be an integer ≥ 0/);
      assert.ok(!fs.existsSync(path.join(dir, 'embeddings')), 'nothing written');
    } finally {
      cleanup();
    }
  });

  it('headers cannot point outside the embeddings folder and must carry the schema version', () => {
    const good = { schemaVersion: 1, count: 1, dim: 1, epoch: 0, step: 0, layer: 'encoder', dataset: 'x', vectors: 'a.f32', labels: 'b.i32', indices: 'c.i32' };
    assert.doesNotThrow(() => parseEmbeddingHeader(good, 'h.json'));
    assert.throws(() => parseEmbeddingHeader({ ...good, vectors: '../../etc/passwd' }, 'h.json'), /h\.json: "vectors" must be a file name in the same folder/);
    assert.throws(() => parseEmbeddingHeader({ ...good, schemaVersion: 2 }, 'h.json'), /unsupported schemaVersion 2/);
    assert.throws(() => parseEmbeddingHeader({ ...good, layer: 'head' }, 'h.json'), /"layer" must be one of encoder, projection/);
  });

  it('writes and reads the hover thumbnails', () => {
    const { dir, cleanup } = tempDir();
    try {
      const images = Uint8Array.from({ length: 2 * 3 * 4 * 1 }, (_, i) => i);
      writeSampleImages(dir, images, 2, 3, 4, 1, Int32Array.from([7, 9]));
      const back = readSampleImages(dir);
      assert.ok(back);
      assert.deepEqual(back.header, { schemaVersion: 1, count: 2, height: 3, width: 4, channels: 1, images: 'sample-images.u8', indices: [7, 9] });
      assert.deepEqual(Array.from(back.images), Array.from(images));
      assert.throws(() => writeSampleImages(dir, images, 2, 3, 4, 2, Int32Array.from([7, 9])), /channels must be 1 \(grey\) or 3 \(RGB\)/);
      assert.throws(() => writeSampleImages(dir, images, 3, 3, 4, 1, Int32Array.from([7, 9])), /images has 24 bytes, expected count 3 × 3 × 4 × 1 = 36/);
    } finally {
      cleanup();
    }
  });
});

describe('webview → host message validation', () => {
  it('accepts well-formed messages and explains malformed ones', () => {
    assert.deepEqual(parseProjectionToHost({ type: 'ready' }), { type: 'ready' });
    const sel = { type: 'select', slot: 0, requestId: 3, epoch: 2, layer: 'encoder', method: 'tsne', params: { perplexity: 20, iterations: 500, seed: 1 } };
    assert.deepEqual(parseProjectionToHost(sel), sel);
    assert.match(parseProjectionToHost({ ...sel, params: { perplexity: 20 } }) as string, /tsne\.iterations must be a finite number/);
    assert.match(parseProjectionToHost({ ...sel, method: 'pca' }) as string, /pca takes no parameter perplexity, iterations, seed/);
    assert.match(parseProjectionToHost({ ...sel, slot: -1 }) as string, /integer slot/);
    assert.match(parseProjectionToHost({ type: 'eval' }) as string, /unknown message type "eval"/);
    assert.equal(typeof parseProjectionToHost({ type: 'neighbours', slot: 0, point: 5, k: 0 }), 'string');
  });
});
