/** `dcl-explorer export-embeddings`: an embedding snapshot as TensorBoard Embedding Projector TSV files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMBEDDING_LAYERS, type EmbeddingLayer } from '../shared/embeddingFiles';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const SPEC: Record<string, FlagSpec> = {
  'run-dir': { type: 'string', help: 'run folder (holds embeddings/)' },
  epoch: { type: 'string', help: 'epoch of the snapshot (default: the newest)' },
  layer: { type: 'string', help: 'encoder | projection (default encoder)' },
  out: { type: 'string', help: 'output folder for vectors.tsv and metadata.tsv (created if missing)' },
  metadata: { type: 'string', help: 'comma-separated metadata columns from label, class, index (default label,class,index; label,index without class names)' },
  help: { type: 'boolean', help: 'show this help' },
};

export const EXPORT_EMBEDDINGS_HELP = formatHelp(
  'Usage: dcl-explorer export-embeddings --run-dir DIR [--epoch E] [--layer encoder|projection] --out DIR [--metadata COLS]\n\n' +
    'Writes vectors.tsv (one tab-separated row per point) and metadata.tsv (a header row when it has more than\n' +
    'one column, as the Projector expects) for https://projector.tensorflow.org ("Load"). Prints both paths.',
  SPEC,
);

export async function runExportEmbeddingsCommand(argv: string[], stdout: (text: string) => void = (t) => void process.stdout.write(t)): Promise<void> {
  const flags = parseFlags(argv, SPEC, 'export-embeddings');
  if (flags.help) {
    stdout(EXPORT_EMBEDDINGS_HELP);
    return;
  }
  const runDir = flags['run-dir'];
  if (typeof runDir !== 'string') throw new UsageError('export-embeddings: --run-dir DIR is required');
  if (!fs.existsSync(runDir)) throw new UsageError(`export-embeddings: run folder ${runDir} does not exist`);
  if (typeof flags.out !== 'string') throw new UsageError('export-embeddings: --out DIR is required');
  const layer = (flags.layer ?? 'encoder') as EmbeddingLayer;
  if (!EMBEDDING_LAYERS.includes(layer)) throw new UsageError(`export-embeddings: --layer must be one of ${EMBEDDING_LAYERS.join(', ')}; got "${String(flags.layer)}"`);
  const epoch = numberFlag(flags, 'epoch', 'export-embeddings');
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw new UsageError(`export-embeddings: --epoch must be an integer ≥ 0; got ${epoch}`);

  const { checkFiniteVectors, findEmbedding, readEmbedding } = await import('../trainer/embeddings/format');
  const { METADATA_COLUMNS, writeProjectorTsv } = await import('../trainer/embeddings/tsv');
  const entry = findEmbedding(runDir, layer, epoch);
  const headerPath = path.join(runDir, entry.path);
  const emb = readEmbedding(headerPath);
  checkFiniteVectors(emb, headerPath);
  let columns = emb.header.classNames ? [...METADATA_COLUMNS] : METADATA_COLUMNS.filter((c) => c !== 'class');
  if (typeof flags.metadata === 'string') {
    const asked = flags.metadata.split(',').map((c) => c.trim()).filter(Boolean);
    const unknown = asked.filter((c) => !METADATA_COLUMNS.includes(c as never));
    if (unknown.length || asked.length === 0) {
      throw new UsageError(`export-embeddings: --metadata takes a comma-separated list of ${METADATA_COLUMNS.join(', ')}; got "${flags.metadata}"`);
    }
    columns = asked as typeof columns;
  }
  const out = writeProjectorTsv(emb, flags.out, columns);
  stdout(`${path.resolve(out.vectors)}\n${path.resolve(out.metadata)}\n`);
}

export const exportEmbeddingsCommand = {
  summary: 'write an embedding snapshot as TensorBoard Embedding Projector TSV (vectors.tsv + metadata.tsv)',
  help: () => EXPORT_EMBEDDINGS_HELP,
  run: (argv: string[]) => runExportEmbeddingsCommand(argv),
};
