/** `dcl-explorer project`: 2-D PCA / UMAP / t-SNE of an embedding snapshot, cached in the run folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMBEDDING_LAYERS, PROJECTION_METHODS, type EmbeddingLayer, type ProjectionMethod } from '../shared/embeddingFiles';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';

export const PROJECT_FLAGS: Record<string, FlagSpec> = {
  'run-dir': { type: 'string', help: 'run folder (holds embeddings/)' },
  epoch: { type: 'string', help: 'epoch of the snapshot (default: the newest)' },
  layer: { type: 'string', help: 'encoder | projection (default encoder)' },
  method: { type: 'string', help: 'pca | umap | tsne (default pca)' },
  neighbors: { type: 'string', help: 'UMAP: neighbours per point (default 15)' },
  'min-dist': { type: 'string', help: 'UMAP: minimum distance in the layout, 0..1 (default 0.1)' },
  perplexity: { type: 'string', help: 't-SNE: perplexity ≥ 2, at most (n − 1) / 3 (default 30)' },
  iterations: { type: 'string', help: 't-SNE: gradient steps, 100 to 10000 (default 1000); UMAP: epochs, at most 10000 (default 0 = by size)' },
  seed: { type: 'string', help: 'UMAP / t-SNE: random seed (default 1)' },
  progress: { type: 'boolean', help: 'print {"progress": 0..1, "stage": …} JSON lines on stderr' },
  help: { type: 'boolean', help: 'show this help' },
};

export const PROJECT_HELP = formatHelp(
  'Usage: dcl-explorer project --run-dir DIR [--epoch E] [--layer encoder|projection] [--method pca|umap|tsne]\n' +
    '                          [--neighbors N --min-dist D] [--perplexity P] [--iterations I] [--seed S] [--progress]\n\n' +
    'Projects an embedding snapshot to 2-D and measures its cluster quality (leave-one-out kNN accuracy, k = 20,\n' +
    'cosine; silhouette, cosine on the vectors and Euclidean on the picture, ≤ 2 000 sampled points). Rows are\n' +
    'L2-normalised first; UMAP and t-SNE start from the top 50 principal components. The result is cached as\n' +
    'DIR/embeddings/proj-<key>.json + .f32, keyed by snapshot, method and parameters; the last stdout line is\n' +
    'the path of that JSON file, and a repeated call answers from the cache at once.',
  PROJECT_FLAGS,
);

/** Which flags belong to which method, so a flag the method ignores is an error rather than a silent no-op. */
const METHOD_FLAGS: Record<ProjectionMethod, Record<string, string>> = {
  pca: {},
  umap: { neighbors: 'nNeighbors', 'min-dist': 'minDist', iterations: 'nEpochs', seed: 'seed' },
  tsne: { perplexity: 'perplexity', iterations: 'iterations', seed: 'seed' },
};

export interface ParsedProjectArgs {
  runDir: string;
  epoch?: number;
  layer: EmbeddingLayer;
  method: ProjectionMethod;
  params: Record<string, number>;
  progress: boolean;
}

export function parseProjectArgs(flags: ParsedFlags): ParsedProjectArgs {
  const runDir = flags['run-dir'];
  if (typeof runDir !== 'string') throw new UsageError('project: --run-dir DIR is required');
  if (!fs.existsSync(runDir)) throw new UsageError(`project: run folder ${runDir} does not exist`);
  const layer = (flags.layer ?? 'encoder') as EmbeddingLayer;
  if (!EMBEDDING_LAYERS.includes(layer)) throw new UsageError(`project: --layer must be one of ${EMBEDDING_LAYERS.join(', ')}; got "${String(flags.layer)}"`);
  const method = (flags.method ?? 'pca') as ProjectionMethod;
  if (!PROJECTION_METHODS.includes(method)) throw new UsageError(`project: --method must be one of ${PROJECTION_METHODS.join(', ')}; got "${String(flags.method)}"`);
  const epoch = numberFlag(flags, 'epoch', 'project');
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw new UsageError(`project: --epoch must be an integer ≥ 0; got ${epoch}`);
  const params: Record<string, number> = {};
  for (const [flag, spec] of Object.entries(PROJECT_FLAGS)) {
    if (spec.type !== 'string' || ['run-dir', 'epoch', 'layer', 'method'].includes(flag) || flags[flag] === undefined) continue;
    const param = METHOD_FLAGS[method][flag];
    if (!param) {
      const users = PROJECTION_METHODS.filter((m) => METHOD_FLAGS[m][flag]).join(' or ');
      throw new UsageError(`project: --${flag} applies to --method ${users}, not ${method}`);
    }
    params[param] = numberFlag(flags, flag, 'project')!;
  }
  return { runDir, epoch, layer, method, params, progress: flags.progress === true };
}

const METHOD_NAMES: Record<ProjectionMethod, string> = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE' };

function fmt(v: number | null, digits = 3): string {
  return v === null ? 'n/a' : v.toFixed(digits);
}

/** Where the command writes; tests capture it. stderr must be synchronous (see below). */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

// fs.writeSync for stderr: the computation is synchronous, and stderr to a pipe is asynchronous on Windows,
// so progress lines would otherwise arrive all at once at the end.
export const PROCESS_IO: CommandIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void fs.writeSync(2, t) };

export async function runProjectCommand(argv: string[], io: CommandIo = PROCESS_IO): Promise<void> {
  const flags = parseFlags(argv, PROJECT_FLAGS, 'project');
  if (flags.help) {
    io.stdout(PROJECT_HELP);
    return;
  }
  const args = parseProjectArgs(flags);
  // Loaded after the arguments are known good, so a typo answers instantly.
  const [{ project }, { tfCovariance }] = await Promise.all([import('../trainer/embeddings/project'), import('../trainer/embeddings/tfCovariance')]);
  // The covariance of PCA (and of UMAP/t-SNE's PCA pre-step) as one TensorFlow.js matrix product.
  const covariance = await tfCovariance();
  let last = { fraction: -1, stage: '' };
  const report = args.progress
    ? (fraction: number, stage: string) => {
        // Whole percents only: the host parses every line, and t-SNE would otherwise send thousands.
        if (stage === last.stage && Math.floor(fraction * 100) === Math.floor(last.fraction * 100)) return;
        last = { fraction, stage };
        io.stderr(JSON.stringify({ progress: Math.round(fraction * 1000) / 1000, stage }) + '\n');
      }
    : undefined;
  const result = project({ runDir: args.runDir, epoch: args.epoch, layer: args.layer, method: args.method, params: args.params, covariance }, report);
  const h = result.header;
  const m = h.metrics;
  io.stderr(
    `${METHOD_NAMES[h.method]} of epoch ${h.epoch} (${h.layer}, ${h.count} points) ${result.cached ? 'from the cache' : `in ${h.seconds.toFixed(1)} s`}; ` +
      `kNN accuracy ${fmt(m.knnAccuracy)} (k ${m.knnK}, ${m.knnQueries} queries), silhouette ${fmt(m.silhouette)} (cosine), ${fmt(m.silhouette2d)} (2-D)\n`,
  );
  io.stdout(path.resolve(result.headerPath) + '\n');
}

export const projectCommand = {
  summary: 'project an embedding snapshot to 2-D (PCA, UMAP, t-SNE) with cluster metrics, cached in the run folder',
  help: () => PROJECT_HELP,
  run: (argv: string[]) => runProjectCommand(argv),
};
