import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/args';
import { runProjectCommand, type CommandIo } from '../../src/cli/projectCommand';
import { canonicalJson, normalizeParams, projectionKey, readProjection, type SnapshotIdentity } from '../../src/trainer/embeddings/cache';
import { writeEmbedding } from '../../src/trainer/embeddings/format';
import { project } from '../../src/trainer/embeddings/project';
import { clusters, nearestNeighbourAgreement, tempDir } from './helpers';

const ID: SnapshotIdentity = { source: 'embeddings/e0003-encoder.json', step: 300, count: 60, dim: 8, vectorsBytes: 1920, vectorsMtimeMs: 1700000000000 };

function makeRun(dir: string, n = 60, d = 8): void {
  const { vectors, labels } = clusters(n, d, 3, 5, 12);
  writeEmbedding(dir, { epoch: 3, step: 300, layer: 'encoder', dataset: 'synthetic', vectors, dim: d, labels, indices: Int32Array.from({ length: n }, (_, i) => i) });
}

function capture(): CommandIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('projection cache keys', () => {
  it('same snapshot, method and parameters give the same key; any change gives a new one', () => {
    const base = normalizeParams('tsne', {});
    const key = projectionKey(ID, 'tsne', base);
    assert.match(key, /^[0-9a-f]{16}$/);
    assert.equal(projectionKey({ ...ID }, 'tsne', { ...base }), key);
    // Defaults filled in: asking explicitly for the default value is the same request.
    assert.equal(projectionKey(ID, 'tsne', normalizeParams('tsne', { perplexity: 30 })), key);
    const variants = [
      projectionKey(ID, 'tsne', { ...base, perplexity: 31 }),
      projectionKey(ID, 'tsne', { ...base, iterations: 1001 }),
      projectionKey(ID, 'tsne', { ...base, seed: 2 }),
      projectionKey(ID, 'umap', normalizeParams('umap', {})),
      projectionKey(ID, 'pca', {}),
      projectionKey({ ...ID, vectorsMtimeMs: ID.vectorsMtimeMs + 1 }, 'tsne', base),
      projectionKey({ ...ID, step: 301 }, 'tsne', base),
      projectionKey({ ...ID, source: 'embeddings/e0003-projection.json' }, 'tsne', base),
    ];
    assert.equal(new Set([key, ...variants]).size, variants.length + 1, 'all distinct');
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), canonicalJson({ a: [2, { c: 4, d: 3 }], b: 1 }));
  });

  it('rejects parameters the method does not take', () => {
    assert.throws(() => normalizeParams('umap', { perplexity: 5 }), /umap takes no parameter perplexity/);
    assert.throws(() => normalizeParams('pca', { seed: 1 }), /pca takes no parameter seed/);
  });
});

describe('project(): compute once, then answer from the run folder', () => {
  it('caches by key, recomputes on a parameter change, and reports cluster metrics', () => {
    const { dir, cleanup } = tempDir();
    try {
      makeRun(dir);
      const stages: string[] = [];
      const first = project({ runDir: dir, layer: 'encoder', method: 'pca' }, (_f, s) => stages.push(s));
      assert.equal(first.cached, false);
      assert.ok(stages.includes('PCA') && stages.includes('cluster metrics'), `stages: ${[...new Set(stages)].join(', ')}`);
      assert.equal(first.header.metrics.knnAccuracy, 1);
      assert.ok(first.header.metrics.silhouette! > 0.5 && first.header.metrics.silhouette2d! > 0.5, JSON.stringify(first.header.metrics));
      assert.equal(first.header.explainedVariance?.length, 2);
      const again = project({ runDir: dir, epoch: 3, layer: 'encoder', method: 'pca' });
      assert.equal(again.cached, true);
      assert.equal(again.headerPath, first.headerPath);
      assert.deepEqual(again.coords, first.coords);
      assert.deepEqual(readProjection(first.headerPath).coords, first.coords);

      const t1 = project({ runDir: dir, layer: 'encoder', method: 'tsne', params: { perplexity: 5, iterations: 150 } });
      const t2 = project({ runDir: dir, layer: 'encoder', method: 'tsne', params: { perplexity: 6, iterations: 150 } });
      assert.notEqual(t1.headerPath, t2.headerPath);
      assert.equal(t1.cached || t2.cached, false);
      assert.equal(nearestNeighbourAgreement(t2.coords, Int32Array.from({ length: 60 }, (_, i) => i % 3)), 1);
      assert.equal(project({ runDir: dir, layer: 'encoder', method: 'tsne', params: { perplexity: 5, iterations: 150 } }).cached, true);
      const files = fs.readdirSync(path.join(dir, 'embeddings'));
      assert.equal(files.filter((f) => /^proj-[0-9a-f]{16}\.json$/.test(f)).length, 3);
      assert.equal(files.filter((f) => /^metrics-[0-9a-f]{16}\.json$/.test(f)).length, 1, 'high-dim metrics computed once per snapshot');
    } finally {
      cleanup();
    }
  });

  it('names the row when a snapshot holds NaN (a diverged run) and the size problem for t-SNE', () => {
    const { dir, cleanup } = tempDir();
    try {
      const { vectors, labels } = clusters(20, 4, 2, 1);
      vectors[4 * 7 + 2] = NaN;
      writeEmbedding(dir, { epoch: 1, step: 10, layer: 'encoder', dataset: 's', vectors, dim: 4, labels, indices: new Int32Array(20) });
      assert.throws(() => project({ runDir: dir, layer: 'encoder', method: 'pca' }), /e0001-encoder\.f32: row 7 has a non-finite value \(NaN\); training diverged by epoch 1/);
      assert.throws(() => project({ runDir: dir, layer: 'encoder', method: 'tsne' }), /perplexity 30 needs at least 91 points, this embedding has 20/);
    } finally {
      cleanup();
    }
  });
});

describe('dcl-explorer project (command)', () => {
  it('prints progress JSON lines on stderr and the cache path as the last stdout line', async () => {
    const { dir, cleanup } = tempDir();
    try {
      makeRun(dir);
      const io = capture();
      await runProjectCommand(['--run-dir', dir, '--method', 'umap', '--neighbors', '8', '--iterations', '60', '--progress'], io);
      const lines = io.out.trim().split('\n');
      const result = lines[lines.length - 1];
      assert.ok(path.isAbsolute(result) && /proj-[0-9a-f]{16}\.json$/.test(result) && fs.existsSync(result), result);
      const progress = io.err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { progress: number; stage: string });
      assert.ok(progress.length >= 5, `${progress.length} progress lines`);
      assert.ok(progress.every((p, i) => p.progress >= 0 && p.progress <= 1 && (i === 0 || p.progress >= progress[i - 1].progress)), 'monotone in [0, 1]');
      assert.equal(progress[progress.length - 1].progress, 1);
      assert.match(io.err, /UMAP of epoch 3 \(encoder, 60 points\) in [\d.]+ s; kNN accuracy 1\.000/);
      const header = readProjection(result).header;
      assert.deepEqual(header.params, { nNeighbors: 8, minDist: 0.1, nEpochs: 60, seed: 1 });

      const second = capture();
      await runProjectCommand(['--run-dir', dir, '--method', 'umap', '--neighbors', '8', '--iterations', '60'], second);
      assert.equal(second.out.trim(), result, 'same key, same file');
      assert.match(second.err, /from the cache/);
    } finally {
      cleanup();
    }
  });

  it('refuses flags the method ignores, unknown values and missing folders', async () => {
    const { dir, cleanup } = tempDir();
    try {
      makeRun(dir);
      const io = capture();
      await assert.rejects(runProjectCommand(['--run-dir', dir, '--method', 'pca', '--perplexity', '20'], io), (e: Error) => e instanceof UsageError && /--perplexity applies to --method tsne, not pca/.test(e.message));
      await assert.rejects(runProjectCommand(['--run-dir', dir, '--method', 'umap', '--min-dist', 'x'], io), /--min-dist must be a number; got "x"/);
      await assert.rejects(runProjectCommand(['--run-dir', dir, '--method', 'lda'], io), /--method must be one of pca, umap, tsne; got "lda"/);
      await assert.rejects(runProjectCommand(['--run-dir', dir, '--layer', 'head'], io), /--layer must be one of encoder, projection/);
      await assert.rejects(runProjectCommand(['--run-dir', path.join(dir, 'missing')], io), /run folder .*missing does not exist/);
      await assert.rejects(runProjectCommand(['--run-dir', dir, '--epoch', '9'], io), /has no epoch 9 \(encoder\); available: epoch 3 encoder/);
      assert.equal(io.out, '');
    } finally {
      cleanup();
    }
  });
});
