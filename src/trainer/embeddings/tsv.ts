/**
 * Export to the TensorBoard Embedding Projector's TSV pair (projector.tensorflow.org → "Load"):
 * `vectors.tsv` has one tab-separated row per point and no header; `metadata.tsv` has one row per point
 * and — the Projector's rule — a header row only when it has more than one column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadedEmbedding } from './format';
import { makeDirs } from '../../runFolder/makeDirs';

export type MetadataColumn = 'label' | 'class' | 'index';
export const METADATA_COLUMNS: readonly MetadataColumn[] = ['label', 'class', 'index'];

/** Tabs and line breaks would split a cell; the Projector has no quoting, so they become spaces. */
function cell(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** Shortest decimal that reads back as the same float32 (≤ 9 significant digits). */
export function formatFloat32(v: number): string {
  for (let digits = 6; digits < 9; digits++) {
    const s = Number(v.toPrecision(digits));
    if (Math.fround(s) === v) return String(s);
  }
  return String(Number(v.toPrecision(9)));
}

export function metadataRows(emb: LoadedEmbedding, columns: readonly MetadataColumn[]): string[] {
  if (columns.length === 0) throw new Error('metadata needs at least one column (label, class or index)');
  const names = emb.header.classNames;
  if (columns.includes('class') && !names) {
    throw new Error(`${emb.header.vectors}: the snapshot has no classNames, so there is no "class" column; use --metadata label,index`);
  }
  const value = (c: MetadataColumn, i: number): string => {
    const label = emb.labels[i];
    if (c === 'label') return String(label);
    if (c === 'index') return String(emb.indices[i]);
    return cell(names![label] ?? String(label));
  };
  const rows: string[] = [];
  if (columns.length > 1) rows.push(columns.join('\t'));
  for (let i = 0; i < emb.header.count; i++) rows.push(columns.map((c) => value(c, i)).join('\t'));
  return rows;
}

/** Writes vectors.tsv and metadata.tsv into outDir (created if missing); returns their paths. */
export function writeProjectorTsv(emb: LoadedEmbedding, outDir: string, columns: readonly MetadataColumn[]): { vectors: string; metadata: string } {
  makeDirs(outDir, 'output folder (--out)');
  const vectors = path.join(outDir, 'vectors.tsv');
  const metadata = path.join(outDir, 'metadata.tsv');
  const { count, dim } = emb.header;
  // Written in blocks of rows: a 60 000 × 512 export would not fit in one string.
  const fd = fs.openSync(vectors, 'w');
  try {
    const block: string[] = [];
    const row = new Array<string>(dim);
    for (let i = 0; i < count; i++) {
      for (let t = 0; t < dim; t++) row[t] = formatFloat32(emb.vectors[i * dim + t]);
      block.push(row.join('\t'));
      if (block.length === 512 || i === count - 1) {
        fs.writeSync(fd, block.join('\n') + '\n');
        block.length = 0;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.writeFileSync(metadata, metadataRows(emb, columns).join('\n') + '\n');
  return { vectors, metadata };
}
