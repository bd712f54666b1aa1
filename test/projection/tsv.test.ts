import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runExportEmbeddingsCommand } from '../../src/cli/exportEmbeddingsCommand';
import { readEmbedding, writeEmbedding, type LoadedEmbedding } from '../../src/trainer/embeddings/format';
import { formatFloat32, metadataRows, writeProjectorTsv } from '../../src/trainer/embeddings/tsv';
import { tempDir } from './helpers';

function tiny(classNames?: string[]): LoadedEmbedding {
  return {
    header: { schemaVersion: 1, count: 3, dim: 2, epoch: 1, step: 1, layer: 'encoder', dataset: 'x', vectors: 'v', labels: 'l', indices: 'i', ...(classNames ? { classNames } : {}) },
    vectors: Float32Array.from([0.1, -2, 3.5, 1e-7, 0, 123456.79]),
    labels: Int32Array.from([1, 0, 1]),
    indices: Int32Array.from([10, 11, 42]),
  };
}

describe('TensorBoard Projector TSV export', () => {
  it('one metadata column: labels only, no header row', () => {
    assert.deepEqual(metadataRows(tiny(), ['label']), ['1', '0', '1']);
  });

  it('several columns: a header row first; class names with tabs are made safe', () => {
    assert.deepEqual(metadataRows(tiny(['cat', 'big\tdog']), ['label', 'class', 'index']), ['label\tclass\tindex', '1\tbig dog\t10', '0\tcat\t11', '1\tbig dog\t42']);
    assert.throws(() => metadataRows(tiny(), ['class']), /no classNames, so there is no "class" column; use --metadata label,index/);
  });

  it('vectors.tsv: one row per point, tab-separated, float32 values that read back exactly', () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = writeProjectorTsv(tiny(), dir, ['label', 'index']);
      const rows = fs.readFileSync(out.vectors, 'utf8').trimEnd().split('\n');
      assert.deepEqual(rows, ['0.1\t-2', '3.5\t1e-7', '0\t123456.79']);
      const back = Float32Array.from(rows.flatMap((r) => r.split('\t').map(Number)));
      assert.deepEqual(back, tiny().vectors);
      assert.equal(fs.readFileSync(out.metadata, 'utf8'), 'label\tindex\n1\t10\n0\t11\n1\t42\n');
      for (const v of [Math.fround(Math.PI), Math.fround(-1 / 3), Math.fround(6.02e23)]) assert.equal(Math.fround(Number(formatFloat32(v))), v);
    } finally {
      cleanup();
    }
  });

  it('dcl-explorer export-embeddings writes both files for the chosen snapshot and prints their paths', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const vectors = Float32Array.from({ length: 8 }, (_, i) => i / 4);
      writeEmbedding(dir, { epoch: 2, step: 5, layer: 'projection', dataset: 's', vectors, dim: 2, labels: Int32Array.from([0, 1, 0, 1]), indices: Int32Array.from([3, 4, 5, 6]), classNames: ['no', 'yes'] });
      const outDir = path.join(dir, 'export');
      let printed = '';
      await runExportEmbeddingsCommand(['--run-dir', dir, '--layer', 'projection', '--out', outDir], (t) => (printed += t));
      assert.deepEqual(printed.trim().split('\n'), [path.join(outDir, 'vectors.tsv'), path.join(outDir, 'metadata.tsv')].map((p) => path.resolve(p)));
      assert.equal(fs.readFileSync(path.join(outDir, 'metadata.tsv'), 'utf8').split('\n')[0], 'label\tclass\tindex');
      assert.equal(fs.readFileSync(path.join(outDir, 'vectors.tsv'), 'utf8').split('\n').length, 5);
      await runExportEmbeddingsCommand(['--run-dir', dir, '--layer', 'projection', '--out', outDir, '--metadata', 'label'], () => undefined);
      assert.equal(fs.readFileSync(path.join(outDir, 'metadata.tsv'), 'utf8'), '0\n1\n0\n1\n');
      await assert.rejects(runExportEmbeddingsCommand(['--run-dir', dir, '--out', outDir], () => undefined), /has no encoder snapshot; available: epoch 2 projection/);
      await assert.rejects(runExportEmbeddingsCommand(['--run-dir', dir, '--layer', 'projection', '--out', outDir, '--metadata', 'label,colour'], () => undefined), /--metadata takes a comma-separated list of label, class, index; got "label,colour"/);
      assert.equal(readEmbedding(path.join(dir, 'embeddings', 'e0002-projection.json')).header.count, 4);
    } finally {
      cleanup();
    }
  });
});
