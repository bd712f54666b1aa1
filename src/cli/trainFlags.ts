/** Run-config flags shared by `train` and `sweep`: each maps onto one RunConfig field. */
import * as fs from 'node:fs';
import { DEFAULT_RUN_CONFIG, type RunConfigInput } from '../shared/runConfig';
import {
  BACKEND_PREFERENCES,
  ENCODER_KINDS,
  FOLDER_DATASETS,
  LOSS_KINDS,
  OPTIMIZER_KINDS,
  type OptimizerKind,
} from '../shared/protocol';
import { numberFlag, UsageError, type FlagSpec, type ParsedFlags } from './args';

export const CONFIG_FLAGS: Record<string, FlagSpec> = {
  config: { type: 'string', help: 'run config JSON file (flags override its fields)' },
  name: { type: 'string', help: 'a name for the run' },
  loss: { type: 'string', help: `${LOSS_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.loss})` },
  dataset: { type: 'string', help: 'mnist (built in) | synthetic | idx | cifar10 | cifar100 | stl10 (default mnist)' },
  'data-dir': { type: 'string', help: `folder with the dataset files (${FOLDER_DATASETS.join(', ')})` },
  subset: { type: 'string', help: 'use only the first N training images (0 = all)' },
  unlabeled: { type: 'boolean', help: 'STL-10: also train on the unlabeled split (kNN uses the labelled splits)' },
  'test-subset': { type: 'string', help: 'use only the first N test images for kNN (0 = all)' },
  epochs: { type: 'string', help: 'epochs (default 10)' },
  'batch-size': { type: 'string', help: 'images per step N; each gives two views (default 256)' },
  encoder: { type: 'string', help: `${ENCODER_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.encoder})` },
  projection: { type: 'string', help: 'projection head sizes, comma-separated (default 512,128)' },
  temperature: { type: 'string', help: 'temperature τ (default 0.1)' },
  sigma: { type: 'string', help: 'DCLW weighting σ (default 0.5)' },
  optimizer: { type: 'string', help: `${OPTIMIZER_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.optimizer.kind})` },
  lr: { type: 'string', help: 'learning rate (default 0.001)' },
  momentum: { type: 'string', help: 'SGD momentum (default 0.9)' },
  'weight-decay': { type: 'string', help: 'weight decay (default 1e-6)' },
  'warmup-epochs': { type: 'string', help: 'linear warm-up epochs before the cosine decay (default 0)' },
  seed: { type: 'string', help: 'random seed (default 0)' },
  backend: { type: 'string', help: `${BACKEND_PREFERENCES.join(' | ')} (default auto)` },
  'knn-k': { type: 'string', help: 'kNN neighbours k (default 200)' },
  'knn-t': { type: 'string', help: 'kNN temperature t (default 0.1)' },
  'knn-every-steps': { type: 'string', help: 'also evaluate kNN every K steps (default 0 = only per epoch)' },
  'log-every': { type: 'string', help: 'write step and NPC events every N steps (default 10)' },
  'runs-dir': { type: 'string', help: 'folder in which the run folder is created (default .dcl/runs)' },
};

export function readConfigFile(file: string): RunConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as RunConfigInput;
  } catch (e) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The config fields given as flags (undefined where a flag is absent). */
export function configFromFlags(flags: ParsedFlags, command: string): RunConfigInput {
  const n = (name: string) => numberFlag(flags, name, command);
  const s = (name: string) => (typeof flags[name] === 'string' ? (flags[name]) : undefined);
  const projection = s('projection')?.split(',').map((v) => {
    const x = Number(v.trim());
    if (!Number.isInteger(x) || x <= 0) throw new UsageError(`${command}: --projection must be comma-separated positive integers; got "${s('projection')}"`);
    return x;
  });
  return {
    name: s('name'),
    loss: s('loss') as RunConfigInput['loss'],
    dataset: s('dataset') as RunConfigInput['dataset'],
    dataDir: s('data-dir'),
    subset: n('subset'),
    useUnlabeled: flags.unlabeled === true ? true : undefined,
    testSubset: n('test-subset'),
    epochs: n('epochs'),
    batchSize: n('batch-size'),
    encoder: s('encoder') as RunConfigInput['encoder'],
    projection,
    temperature: n('temperature'),
    sigma: n('sigma'),
    seed: n('seed'),
    backend: s('backend') as RunConfigInput['backend'],
    logEvery: n('log-every'),
    runsDir: s('runs-dir'),
    optimizer: {
      kind: s('optimizer') as OptimizerKind | undefined,
      lr: n('lr'),
      momentum: n('momentum'),
      weightDecay: n('weight-decay'),
      warmupEpochs: n('warmup-epochs'),
    },
    knn: { k: n('knn-k'), t: n('knn-t'), everySteps: n('knn-every-steps') },
  };
}

/** Drops undefined fields (also inside optimizer/knn) so they don't override the config file. */
export function pruneUndefined(input: RunConfigInput): RunConfigInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if ((k === 'optimizer' || k === 'knn' || k === 'embeddings') && typeof v === 'object' && v !== null) {
      const inner = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}
