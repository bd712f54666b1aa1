/**
 * The run config's fields, each written once: its type, default, limits, command-line flag and description.
 * Everything else is derived from this table: DEFAULT_RUN_CONFIG and the checks of src/shared/runConfig.ts
 * (trainer, CLI, extension host), the CLI flags and their help (src/cli/trainFlags.ts), and
 * schemas/dclrun.schema.json (src/shared/configSchema.ts; `node scripts/generate-schema.mjs` rewrites it, and
 * test/host/manifest.test.ts fails when the file and this table differ).
 *
 * Adding a field: a row here (the compiler asks for one once the field is in RunConfig in protocol.ts), the
 * code that uses it, and `node scripts/generate-schema.mjs`. Fields nest one level (`optimizer.lr`).
 *
 * Numeric limits are what float32 training can use: 1/τ, 1/σ and 1/t scale cosine similarities in [-1, 1], so
 * they stay far below float32's 3.4e38 and the kNN weights exp((s − 1)/t) do not all underflow to 0; counts
 * stay within typed-array sizes and a step count that is a finite, exact number.
 */
import { LOSSES } from './lossRegistry';
import { EMBEDDING_LAYERS } from './embeddingFiles';
import {
  BACKEND_PREFERENCES,
  DATASET_KINDS,
  ENCODER_KINDS,
  OPTIMIZER_KINDS,
  SCHEDULES,
  type BackendPreference,
  type DatasetKind,
  type EncoderKind,
  type RunConfig,
} from './protocol';

/** A number within [min, max] (min itself excluded when `exclusiveMin`), whole when `integer`. */
export interface NumberRule {
  type: 'number';
  min: number;
  max: number;
  exclusiveMin?: boolean;
  integer?: boolean;
}
/** One of a fixed list of strings; `descriptions` (one per value) go into the schema's enumDescriptions. */
export interface ChoiceRule {
  type: 'choice';
  values: readonly string[];
  descriptions?: Readonly<Record<string, string>>;
}
export interface BooleanRule {
  type: 'boolean';
}
export interface StringRule {
  type: 'string';
  minLength: number;
  maxLength: number;
}
/** A list of numbers or choices, `minItems` to `maxItems` long; `unique` refuses repeats. */
export interface ListRule {
  type: 'list';
  item: NumberRule | ChoiceRule;
  minItems: number;
  maxItems: number;
  unique?: boolean;
}
export type FieldRule = NumberRule | ChoiceRule | BooleanRule | StringRule | ListRule;

export interface ConfigField {
  rule: FieldRule;
  /** Absent for optional fields that have none (name, dataDir, sweepId). */
  default?: unknown;
  /** Required in a `*.dclrun.json` file (the host and the schema); the CLI still falls back to the default. */
  requiredInFile?: boolean;
  /** One sentence for the schema and the docs. */
  description: string;
  /** The `train`/`sweep` flag; its help gets the choices, limits and default appended. */
  flag?: { name: string; help: string };
}

/** Keys of RunConfig whose values are objects: their fields are written `group.field`. */
export type GroupKey = { [K in keyof RunConfig]-?: NonNullable<RunConfig[K]> extends readonly unknown[] ? never : NonNullable<RunConfig[K]> extends object ? K : never }[keyof RunConfig];
/** Every leaf of RunConfig as a dotted path: `loss`, `optimizer.lr`, … */
export type ConfigPath = Exclude<keyof RunConfig, GroupKey> | { [G in GroupKey]: `${G}.${keyof NonNullable<RunConfig[G]> & string}` }[GroupKey];

const describeEach = <T extends string>(d: Record<T, string>): Record<T, string> => d;

/** τ and σ divide cosine similarities: 1/0.001 keeps the logits in float32's comfortable range. */
const SIMILARITY_SCALE: NumberRule = { type: 'number', min: 0.001, max: 100 };
const count = (min: number, max: number): NumberRule => ({ type: 'number', min, max, integer: true });
const text = (maxLength: number, minLength = 1): StringRule => ({ type: 'string', minLength, maxLength });

/** In the order of the schema and of the CLI help. */
export const CONFIG_FIELDS: Record<ConfigPath, ConfigField> = {
  name: { rule: text(200, 0), description: 'Name shown in the Runs view (default: loss · batch size · temperature).', flag: { name: 'name', help: 'a name for the run' } },
  loss: {
    rule: { type: 'choice', values: LOSSES.map((l) => l.id), descriptions: Object.fromEntries(LOSSES.map((l) => [l.id, `${l.label}: ${l.description}.`])) },
    default: 'dcl',
    requiredInFile: true,
    description: 'Contrastive loss.',
    flag: { name: 'loss', help: '' },
  },
  temperature: {
    rule: SIMILARITY_SCALE,
    default: 0.1,
    description: 'Temperature τ of the loss (0.07–0.5 is typical); 0.001 to 100, as 1/τ scales the similarities in float32.',
    flag: { name: 'temperature', help: 'temperature τ' },
  },
  sigma: {
    rule: SIMILARITY_SCALE,
    default: 0.5,
    description: 'DCLW weighting temperature σ; only used by "dclw". 0.001 to 100, as 1/σ scales the similarities in float32.',
    flag: { name: 'sigma', help: 'DCLW weighting σ' },
  },
  dataset: {
    rule: {
      type: 'choice',
      values: DATASET_KINDS,
      descriptions: describeEach<DatasetKind>({
        mnist: 'MNIST, bundled with the extension.',
        idx: 'A folder of MNIST-format IDX files (train/t10k images and labels, optionally .gz), e.g. Fashion-MNIST.',
        cifar10: 'CIFAR-10, binary (cifar-10-batches-bin) or torchvision\'s Python version (cifar-10-batches-py), or the folder holding either.',
        cifar100: 'CIFAR-100, binary (cifar-100-binary) or torchvision\'s Python version (cifar-100-python), or the folder holding either.',
        stl10: 'STL-10 binary version: stl10_binary or the folder holding it.',
        imagefolder: 'Your own images: one sub-folder of PNG/JPEG files per class, as torchvision\'s ImageFolder reads them.',
        synthetic: 'Small generated images: for quick checks.',
      }),
    },
    default: 'mnist',
    description: 'Training data.',
    flag: { name: 'dataset', help: '' },
  },
  dataDir: {
    rule: text(4096),
    description: 'Folder holding the dataset files; required for the datasets read from a folder. Relative paths start at the workspace folder.',
    flag: { name: 'data-dir', help: 'folder with the dataset files' },
  },
  testDir: {
    rule: text(4096),
    description: 'imagefolder only: a second class-per-sub-folder tree used as the test split (default: a seeded 10 % of dataDir). Relative paths start at the workspace folder.',
    flag: { name: 'test-dir', help: 'imagefolder: folder of test images (default: a seeded split of --data-dir)' },
  },
  imageSize: {
    rule: count(8, 512),
    default: 32,
    description: 'imagefolder only: every image is resized to this many pixels square.',
    flag: { name: 'image-size', help: 'imagefolder: resize images to this size square' },
  },
  useUnlabeled: {
    rule: { type: 'boolean' },
    default: false,
    description: 'STL-10 only: also train on the 100 000-image unlabeled split; kNN accuracy still uses the labelled train and test splits.',
    flag: { name: 'unlabeled', help: 'STL-10: also train on the unlabeled split (kNN uses the labelled splits)' },
  },
  subset: { rule: count(0, 100_000_000), default: 0, description: 'Use only the first N training images (0 = all).', flag: { name: 'subset', help: 'use only the first N training images (0 = all)' } },
  testSubset: {
    rule: count(0, 100_000_000),
    default: 0,
    description: 'Use only the first N test images for the kNN monitor (0 = all).',
    flag: { name: 'test-subset', help: 'use only the first N test images for kNN (0 = all)' },
  },
  encoder: {
    rule: {
      type: 'choice',
      values: ENCODER_KINDS,
      descriptions: describeEach<EncoderKind>({
        mlp: 'Multi-layer perceptron: fastest, fine for MNIST-sized images.',
        cnn: 'Small convolutional network: a good default on CPU.',
        resnet18: 'ResNet-18: best features, slow without a GPU.',
      }),
    },
    default: 'cnn',
    description: 'Encoder network.',
    flag: { name: 'encoder', help: '' },
  },
  projection: {
    rule: { type: 'list', item: count(1, 8192), minItems: 1, maxItems: 16 },
    default: [512, 128],
    description: 'Hidden and output sizes of the projection head (1 to 16 layers of 1 to 8192); the last one is the embedding width.',
    flag: { name: 'projection', help: 'projection head sizes' },
  },
  batchSize: { rule: count(2, 65_536), default: 256, description: 'Images per step; each image gets 2·(N−1) negatives.', flag: { name: 'batch-size', help: 'images per step N; each gives two views' } },
  epochs: { rule: count(1, 10_000), default: 10, description: 'Passes over the training set.', flag: { name: 'epochs', help: 'passes over the training set' } },
  'optimizer.kind': { rule: { type: 'choice', values: OPTIMIZER_KINDS }, default: 'adam', description: 'Optimizer.', flag: { name: 'optimizer', help: '' } },
  'optimizer.lr': {
    rule: { type: 'number', min: 1e-8, max: 10 },
    default: 1e-3,
    description: 'Peak learning rate (1e-8 to 10; smaller steps vanish in float32 weights).',
    flag: { name: 'lr', help: 'learning rate' },
  },
  'optimizer.momentum': { rule: { type: 'number', min: 0, max: 1 }, default: 0.9, description: 'SGD momentum in [0, 1].', flag: { name: 'momentum', help: 'SGD momentum' } },
  'optimizer.weightDecay': { rule: { type: 'number', min: 0, max: 1 }, default: 1e-6, description: 'L2 weight decay in [0, 1].', flag: { name: 'weight-decay', help: 'weight decay' } },
  'optimizer.warmupEpochs': {
    rule: { type: 'number', min: 0, max: 10_000 },
    default: 0,
    description: 'Linear warm-up length in epochs before the schedule.',
    flag: { name: 'warmup-epochs', help: 'linear warm-up epochs before the cosine decay' },
  },
  'optimizer.schedule': { rule: { type: 'choice', values: SCHEDULES }, default: 'cosine', description: 'Learning-rate schedule after warm-up.' },
  seed: { rule: count(0, 4_294_967_295), default: 0, description: 'Random seed for initialisation, shuffling and augmentation.', flag: { name: 'seed', help: 'random seed' } },
  backend: {
    rule: { type: 'choice', values: BACKEND_PREFERENCES satisfies readonly BackendPreference[] },
    default: 'auto',
    description: 'TensorFlow.js backend; "auto" takes the fastest that loads.',
    flag: { name: 'backend', help: '' },
  },
  'knn.k': { rule: count(1, 10_000), default: 200, description: 'Neighbours.', flag: { name: 'knn-k', help: 'kNN neighbours k' } },
  'knn.t': {
    rule: { type: 'number', min: 0.01, max: 100 },
    default: 0.1,
    description: 'Temperature of the weighted vote, 0.01 to 100: below 0.01 the float32 weights exp((s − 1)/t) of all but the nearest neighbours underflow to 0.',
    flag: { name: 'knn-t', help: 'kNN temperature t' },
  },
  'knn.everyEpochs': { rule: count(0, 10_000), default: 1, description: 'Evaluate every N epochs (0 = never by epoch).' },
  'knn.everySteps': {
    rule: count(0, 1_000_000_000),
    default: 0,
    description: 'Evaluate every N steps (0 = never by step).',
    flag: { name: 'knn-every-steps', help: 'also evaluate kNN every K steps (0 = only per epoch)' },
  },
  'eval.linear': {
    rule: { type: 'boolean' },
    default: false,
    description: 'After the last epoch, train a linear classifier on the frozen encoder features and record its test top-1 beside kNN (the paper\'s metric).',
    flag: { name: 'linear-eval', help: 'after the last epoch, record linear-evaluation top-1 (as `dcl-explorer eval`)' },
  },
  'embeddings.layers': {
    rule: { type: 'list', item: { type: 'choice', values: EMBEDDING_LAYERS }, minItems: 0, maxItems: EMBEDDING_LAYERS.length, unique: true },
    default: ['encoder'],
    description: 'Which outputs to write: encoder features and/or projection-head outputs.',
  },
  'embeddings.maxPoints': { rule: count(0, 1_000_000), default: 10_000, description: 'At most this many test images (the first ones; 0 = none).' },
  'embeddings.keepLast': { rule: count(0, 10_000), default: 3, description: "Keep only the last N epochs' files per layer (0 = keep all)." },
  logEvery: { rule: count(1, 1_000_000), default: 10, description: 'Write a step event and an NPC summary every N steps.', flag: { name: 'log-every', help: 'write step and NPC events every N steps' } },
  runsDir: {
    rule: text(4096),
    default: '.dcl/runs',
    description: 'Folder in which the run folder is created (default: the dclExplorer.runsDirectory setting). Relative paths start at the workspace folder.',
    flag: { name: 'runs-dir', help: 'folder in which the run folder is created' },
  },
  sweepId: { rule: text(200, 0), description: 'Set by sweeps on each of their runs so tools can group them.' },
};

/** The description of each group of nested fields. */
export const CONFIG_GROUPS: Record<GroupKey, string> = {
  optimizer: 'Optimizer and learning-rate schedule.',
  knn: 'Weighted kNN monitor on the test set.',
  eval: 'Evaluations run after the last epoch.',
  embeddings: 'Test-split features written after each evaluated epoch, for embedding projections.',
};

export const CONFIG_PATHS = Object.keys(CONFIG_FIELDS) as ConfigPath[];

/** The group of a dotted path (`optimizer` for `optimizer.lr`), or undefined for a top-level field. */
export function groupOf(path: string): string | undefined {
  const dot = path.indexOf('.');
  return dot < 0 ? undefined : path.slice(0, dot);
}

/** The field names allowed at the top level and inside each group, in table order. */
export function allowedKeys(group?: string): string[] {
  const keys: string[] = [];
  for (const p of CONFIG_PATHS) {
    const g = groupOf(p);
    const key = group === undefined ? (g ?? p) : g === group ? p.slice(group.length + 1) : undefined;
    if (key !== undefined && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Whether a top-level key is a group of nested fields. */
export const isGroup = (key: string): boolean => Object.hasOwn(CONFIG_GROUPS, key);
