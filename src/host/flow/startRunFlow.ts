/**
 * The "Start DCL run" questions: loss, dataset (with a folder dialog and a format check for folder
 * datasets; an image folder also asks the image size and an optional test folder), how many training images,
 * encoder, batch size, temperature, σ for DCLW, epochs, and whether to run linear evaluation after the last
 * epoch. Back returns to the previous question with its answer kept (the multi-step idiom of VS Code's
 * quickinput sample); Escape cancels. Sizes the dataset cannot supply (a subset beyond its images, a batch
 * larger than the training images) are refused as they are typed, in the words of dataSizeCheck.ts.
 */
import { CONFIG_FIELDS, type NumberRule } from '../../shared/configFields';
import { describeRange } from '../../shared/configChecks';
import { LOSSES, lossInfo } from '../../shared/lossRegistry';
import type { DatasetKind, EncoderKind, LossKind, RunConfig } from '../../shared/protocol';
import { FOLDER_DATASETS } from '../config/resolveRunConfig';
import { fieldCheck } from '../../shared/configChecks';
import { checkBatchSize, checkEpochs, checkSigma, checkTemperature, integerIn, parseTypedNumber, validateTypedNumber, type Check } from '../config/validators';
import type { FolderCheck, SplitCounts } from '../datasets/datasetFolderCheck';
import { dataSizeProblem } from '../datasets/dataSizeCheck';
import type { Answer, PickItem, Prompter, StepFrame } from './prompter';

export interface StartFlowOptions {
  title: string;
  /** Answers offered first: the last run's config, or the config of the run being rerun. */
  defaults: RunConfig;
  /** `testDir` (absolute) only for imagefolder: checked against the training folder's classes. */
  checkFolder: (kind: DatasetKind, absoluteDir: string, options?: { testDir?: string }) => Promise<FolderCheck>;
  /** dataDir as stored → absolute path (relative paths start at the workspace folder). */
  resolvePath: (dataDir: string) => string;
  /** Absolute folder → what config.json stores (relative inside the workspace, else absolute). */
  storePath: (absoluteDir: string) => string;
}

interface Draft {
  loss: LossKind;
  dataset: DatasetKind;
  dataDir?: string;
  /** imagefolder: the test folder as stored (undefined: a seeded split of dataDir). */
  testDir?: string;
  imageSize: number;
  /** The user chose to type the image size: one more step. */
  typedImageSize?: boolean;
  /** What the checked folder holds, for the size checks (undefined where it cannot be counted). */
  counts?: SplitCounts;
  /** An image folder's class and image counts, shown on the steps that follow its check (short: a placeholder is one line). */
  folderFacts?: string;
  /** First N training images (0 = all). */
  subset: number;
  /** The user chose to type the subset size: one more step. */
  typedSubset?: boolean;
  encoder: EncoderKind;
  batchSize: number;
  temperature: number;
  sigma: number;
  epochs: number;
  /** Not asked here; kept from the defaults (STL-10's unlabeled split lifts the batch-size bound). */
  useUnlabeled: boolean;
  linearEval: boolean;
}

type Outcome = { next: Step | undefined } | 'back' | 'cancel' | 'repeat';
type Step = (draft: Draft, frame: StepFrame) => Promise<Outcome>;

export const DATASET_LABELS: Record<DatasetKind, string> = {
  mnist: 'MNIST',
  synthetic: 'Synthetic',
  idx: 'IDX folder',
  cifar10: 'CIFAR-10',
  cifar100: 'CIFAR-100',
  stl10: 'STL-10',
  imagefolder: 'Image folder',
};

const LOSS_ITEMS: PickItem<LossKind>[] = LOSSES.map((l) => ({ label: l.label, description: l.description, value: l.id }));

const ENCODER_ITEMS: PickItem<EncoderKind>[] = [
  { label: 'cnn', description: 'small convolutional network: a good default on CPU', value: 'cnn' },
  { label: 'mlp', description: 'multi-layer perceptron: fastest, fine for MNIST-sized images', value: 'mlp' },
  { label: 'resnet18', description: 'ResNet-18: best features, slow without a GPU', value: 'resnet18' },
];

type DatasetChoice = { kind: DatasetKind; dir?: string };

/** Training-split sizes, for the "all images" item (folder datasets say what their folder holds). */
const FULL_SIZES: Record<DatasetKind, string> = {
  mnist: '60 000 images',
  synthetic: '5 000 images',
  idx: 'every image in the folder',
  cifar10: '50 000 images',
  cifar100: '50 000 images',
  stl10: '5 000 labelled images',
  imagefolder: 'every image in the folder',
};

/** Subset sizes offered for a quick look: a few epochs of these take minutes on a CPU. */
const SUBSET_PRESETS = [10000, 5000, 2000];

const formatCount = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');

/** The size problem of `draft` with one field changed, as the CLI would refuse it (testSubset is not asked here). */
function sizeProblem(draft: Draft, change: { subset?: number; batchSize?: number }): string | undefined {
  const fields = { dataset: draft.dataset, subset: draft.subset, batchSize: draft.batchSize, useUnlabeled: draft.useUnlabeled, testSubset: 0, ...change };
  const problem = dataSizeProblem(fields, draft.counts);
  if (!problem) return undefined;
  // Only the problem the typed field causes: a batch that no longer fits a new subset is the batch step's.
  if (change.subset !== undefined && /^batch size/.test(problem)) return undefined;
  return problem.charAt(0).toUpperCase() + problem.slice(1);
}

function subsetItems(draft: Draft): PickItem<number | 'custom'>[] {
  const train = draft.counts?.train;
  const all = train !== undefined && FOLDER_DATASETS.includes(draft.dataset) ? `${formatCount(train)} images` : FULL_SIZES[draft.dataset];
  const fits = (n: number): boolean => train === undefined || n < train;
  const items: PickItem<number | 'custom'>[] = [
    { label: 'All training images', description: all, value: 0 },
    ...SUBSET_PRESETS.filter(fits).map((n) => ({ label: `First ${formatCount(n)}`, description: 'a quicker run; kNN still uses the test split', value: n })),
  ];
  if (draft.subset > 0 && !SUBSET_PRESETS.includes(draft.subset) && fits(draft.subset)) {
    items.push({ label: `First ${formatCount(draft.subset)}`, description: 'as before', value: draft.subset });
  }
  items.push({ label: 'Custom…', description: 'type a number of images', value: 'custom' });
  return items;
}

function datasetItems(draft: Draft): PickItem<DatasetChoice>[] {
  const items: PickItem<DatasetChoice>[] = [
    { label: 'MNIST', description: 'built in: 60 000 handwritten digits', value: { kind: 'mnist' } },
    { label: 'Synthetic', description: 'generated by the trainer: for quick checks', value: { kind: 'synthetic' } },
  ];
  if (FOLDER_DATASETS.includes(draft.dataset) && draft.dataDir) {
    items.push({ label: `${DATASET_LABELS[draft.dataset]} in ${draft.dataDir}`, description: 'the folder chosen before', value: { kind: draft.dataset, dir: draft.dataDir } });
  }
  items.push(
    { label: 'IDX folder…', description: 'MNIST-format files, e.g. Fashion-MNIST', value: { kind: 'idx' } },
    { label: 'CIFAR-10 folder…', description: 'binary (cifar-10-batches-bin) or torchvision\'s Python version (cifar-10-batches-py)', value: { kind: 'cifar10' } },
    { label: 'CIFAR-100 folder…', description: 'binary (cifar-100-binary) or torchvision\'s Python version (cifar-100-python)', value: { kind: 'cifar100' } },
    { label: 'STL-10 folder…', description: 'the binary version (stl10_binary)', value: { kind: 'stl10' } },
    { label: 'Image folder…', description: 'your own PNG/JPEG images, one sub-folder per class (as torchvision\'s ImageFolder)', value: { kind: 'imagefolder' } },
  );
  return items;
}

/** The image sizes offered, within the field table's limits. */
const IMAGE_SIZE_RULE = CONFIG_FIELDS.imageSize.rule as NumberRule;
const IMAGE_SIZE_PRESETS = [32, 64, 96, 224].filter((n) => n >= IMAGE_SIZE_RULE.min && n <= IMAGE_SIZE_RULE.max);
const checkImageSize: Check = fieldCheck('imageSize');

function imageSizeItems(draft: Draft): PickItem<number | 'custom'>[] {
  const sizes = IMAGE_SIZE_PRESETS.includes(draft.imageSize) ? IMAGE_SIZE_PRESETS : [...IMAGE_SIZE_PRESETS, draft.imageSize].sort((a, b) => a - b);
  const note = (n: number): string =>
    n === draft.imageSize && !IMAGE_SIZE_PRESETS.includes(n) ? 'as before' : n === CONFIG_FIELDS.imageSize.default ? 'CIFAR-sized: quick on a CPU' : n >= 224 ? 'ImageNet-sized: slow without a GPU' : '';
  return [
    ...sizes.map((n) => ({ label: `${n} × ${n}`, description: note(n), value: n })),
    { label: 'Custom…', description: `type a size (${describeRange(IMAGE_SIZE_RULE)} pixels)`, value: 'custom' as const },
  ];
}

type TestChoice = 'split' | 'pick' | 'keep';

/** "3 classes: 9 training and 3 test images", from a passed image-folder check. */
function folderFacts(check: FolderCheck): string | undefined {
  if (!check.ok || !check.classes || !check.counts) return undefined;
  const k = check.classes.length;
  return `${k} ${k === 1 ? 'class' : 'classes'}: ${formatCount(check.counts.train)} training and ${formatCount(check.counts.test)} test images`;
}

const numberStep =
  (field: 'subset' | 'batchSize' | 'temperature' | 'sigma' | 'epochs' | 'imageSize', prompt: string, check: Check, next: () => Step | undefined, extra?: (draft: Draft, n: number) => string | undefined) =>
  (prompter: Prompter): Step =>
  async (draft, frame) => {
    const validate = (text: string): string | undefined => validateTypedNumber(text, check) ?? extra?.(draft, parseTypedNumber(text) as number);
    const answer = await prompter.input(frame, { prompt, value: String(draft[field]), validate });
    if (answer.kind !== 'value') return answer.kind;
    draft[field] = parseTypedNumber(answer.value) as number;
    return { next: next() };
  };

/** Runs the flow; resolves with the complete config, or undefined when the user cancelled. */
export async function runStartFlow(prompter: Prompter, options: StartFlowOptions): Promise<RunConfig | undefined> {
  const d = options.defaults;
  const draft: Draft = {
    loss: d.loss,
    dataset: d.dataset,
    dataDir: d.dataDir,
    testDir: d.testDir,
    imageSize: d.imageSize,
    subset: d.subset,
    encoder: d.encoder,
    batchSize: d.batchSize,
    temperature: d.temperature,
    sigma: d.sigma,
    epochs: d.epochs,
    useUnlabeled: d.useUnlabeled,
    linearEval: d.eval.linear,
  };

  const afterTraining: Step = async (dr, frame) => {
    const answer = await prompter.pick(frame, {
      placeholder: 'After the last epoch',
      items: [
        { label: 'kNN accuracy only', description: 'the monitor evaluated during training', value: false },
        { label: 'Linear evaluation after the last epoch', description: 'the paper\'s metric: a linear classifier on the frozen features, recorded beside kNN', value: true },
      ],
      active: (v) => v === dr.linearEval,
    });
    if (answer.kind !== 'value') return answer.kind;
    dr.linearEval = answer.value;
    return { next: undefined };
  };

  const epochs = numberStep('epochs', 'Epochs: passes over the training set', checkEpochs, () => afterTraining)(prompter);
  const sigma = numberStep('sigma', 'DCLW weighting σ (> 0): smaller σ weights hard positives more', checkSigma, () => epochs)(prompter);
  const temperature = numberStep('temperature', 'Temperature τ (> 0; 0.07–0.5 is typical)', checkTemperature, () => (lossInfo(draft.loss).usesSigma ? sigma : epochs))(prompter);
  const batchSize = numberStep('batchSize', 'Batch size: images per step (each image gets 2·(N−1) negatives)', checkBatchSize, () => temperature, (dr, n) => sizeProblem(dr, { batchSize: n }))(prompter);

  const encoder: Step = async (dr, frame) => {
    const answer = await prompter.pick(frame, { placeholder: 'Encoder network', items: ENCODER_ITEMS, active: (v) => v === dr.encoder });
    if (answer.kind !== 'value') return answer.kind;
    dr.encoder = answer.value;
    return { next: batchSize };
  };

  const subsetCount = numberStep('subset', 'Training images: the first N of the training split (N ≥ 1)', integerIn(1), () => encoder, (dr, n) => sizeProblem(dr, { subset: n }))(prompter);
  const subset: Step = async (dr, frame) => {
    const answer = await prompter.pick(frame, { placeholder: 'How many training images', items: subsetItems(dr), active: (v) => v === dr.subset });
    if (answer.kind !== 'value') return answer.kind;
    dr.typedSubset = answer.value === 'custom';
    if (answer.value === 'custom') return { next: subsetCount };
    dr.subset = answer.value;
    return { next: encoder };
  };

  const testFolder: Step = async (dr, frame) => {
    const items: PickItem<TestChoice>[] = [
      { label: 'Seeded 10 % split of the training folder', description: 'per class, chosen by the run\'s seed', value: 'split' },
    ];
    if (dr.testDir !== undefined) items.push({ label: `Test folder ${dr.testDir}`, description: 'the folder chosen before', value: 'keep' });
    items.push({ label: 'Test folder…', description: 'a second folder with the same class sub-folders', value: 'pick' });
    const answer = await prompter.pick(frame, { placeholder: `Test images for kNN (${dr.folderFacts ?? 'the image folder'})`, items, active: (v) => (dr.testDir !== undefined ? v === 'keep' : v === 'split') });
    if (answer.kind !== 'value') return answer.kind;
    const data = options.resolvePath(dr.dataDir ?? '');
    let testDir: string | undefined;
    if (answer.value === 'keep' && dr.testDir !== undefined) testDir = options.resolvePath(dr.testDir);
    if (answer.value === 'pick') {
      testDir = await prompter.pickFolder({ title: 'Folder with the test images (one sub-folder per class)', defaultPath: dr.testDir !== undefined ? options.resolvePath(dr.testDir) : data });
      if (testDir === undefined) return 'repeat';
    }
    const check = await options.checkFolder('imagefolder', data, testDir !== undefined ? { testDir } : {});
    if (!check.ok) {
      await prompter.showProblem(check.problem);
      return 'repeat';
    }
    if (testDir !== undefined) dr.testDir = options.storePath(testDir);
    else delete dr.testDir;
    dr.counts = check.counts;
    dr.folderFacts = folderFacts(check);
    return { next: subset };
  };

  const imageSizeCount = numberStep('imageSize', `Image size: every image is resized to N × N pixels (${describeRange(IMAGE_SIZE_RULE)})`, checkImageSize, () => testFolder)(prompter);
  const imageSize: Step = async (dr, frame) => {
    const answer = await prompter.pick(frame, { placeholder: `Image size (${dr.folderFacts ?? 'the image folder'})`, items: imageSizeItems(dr), active: (v) => v === dr.imageSize });
    if (answer.kind !== 'value') return answer.kind;
    dr.typedImageSize = answer.value === 'custom';
    if (answer.value === 'custom') return { next: imageSizeCount };
    dr.imageSize = answer.value;
    return { next: testFolder };
  };

  const dataset: Step = async (dr, frame) => {
    const items = datasetItems(dr);
    const answer: Answer<DatasetChoice> = await prompter.pick(frame, {
      placeholder: 'Dataset',
      items,
      // The previously chosen folder is its own item; otherwise highlight the dataset kind.
      active: (v) => (FOLDER_DATASETS.includes(dr.dataset) && dr.dataDir ? v.dir !== undefined : v.kind === dr.dataset),
    });
    if (answer.kind !== 'value') return answer.kind;
    const { kind } = answer.value;
    if (!FOLDER_DATASETS.includes(kind)) {
      dr.dataset = kind;
      delete dr.dataDir;
      delete dr.testDir;
      delete dr.folderFacts;
      dr.counts = await countsOf(kind);
      return { next: subset };
    }
    let absolute: string | undefined;
    if (answer.value.dir !== undefined) {
      absolute = options.resolvePath(answer.value.dir);
    } else {
      absolute = await prompter.pickFolder({
        title: `Folder with the ${DATASET_LABELS[kind]} files`,
        defaultPath: dr.dataDir ? options.resolvePath(dr.dataDir) : undefined,
      });
      if (absolute === undefined) return 'repeat';
    }
    // An image folder's test folder is asked next; a previous one is kept only for the same training folder.
    const sameFolder = dr.dataset === kind && dr.dataDir !== undefined && options.resolvePath(dr.dataDir) === absolute;
    if (!(kind === 'imagefolder' && sameFolder)) delete dr.testDir;
    const testDir = kind === 'imagefolder' && dr.testDir !== undefined ? options.resolvePath(dr.testDir) : undefined;
    const check = await options.checkFolder(kind, absolute, testDir !== undefined ? { testDir } : {});
    if (!check.ok) {
      await prompter.showProblem(check.problem);
      return 'repeat';
    }
    dr.dataset = kind;
    dr.dataDir = options.storePath(check.folder);
    dr.counts = check.counts;
    dr.folderFacts = folderFacts(check);
    return { next: kind === 'imagefolder' ? imageSize : subset };
  };

  /** Counts of the built-in sets, from the same check the launch makes. */
  async function countsOf(kind: DatasetKind): Promise<SplitCounts | undefined> {
    const check = await options.checkFolder(kind, '');
    return check.ok ? check.counts : undefined;
  }

  const loss: Step = async (dr, frame) => {
    const answer = await prompter.pick(frame, { placeholder: 'Contrastive loss', items: LOSS_ITEMS, active: (v) => v === dr.loss });
    if (answer.kind !== 'value') return answer.kind;
    dr.loss = answer.value;
    return { next: dataset };
  };

  const completed = await runSteps(
    loss,
    draft,
    options.title,
    (dr) => (lossInfo(dr.loss).usesSigma ? 9 : 8) + (dr.typedSubset ? 1 : 0) + (dr.dataset === 'imagefolder' ? 2 + (dr.typedImageSize ? 1 : 0) : 0),
  );
  if (!completed) return undefined;
  const config: RunConfig = {
    ...d,
    optimizer: { ...d.optimizer },
    knn: { ...d.knn },
    projection: [...d.projection],
    loss: draft.loss,
    dataset: draft.dataset,
    subset: draft.subset,
    encoder: draft.encoder,
    batchSize: draft.batchSize,
    temperature: draft.temperature,
    sigma: draft.sigma,
    epochs: draft.epochs,
    imageSize: draft.imageSize,
    eval: { ...d.eval, linear: draft.linearEval },
  };
  // A name described the old parameters; the generated label describes the new ones.
  delete config.name;
  if (draft.dataDir !== undefined) config.dataDir = draft.dataDir;
  else delete config.dataDir;
  if (draft.dataset === 'imagefolder' && draft.testDir !== undefined) config.testDir = draft.testDir;
  else delete config.testDir;
  return config;
}

/** The multi-step driver: a stack of answered steps so Back can return to each in turn. */
async function runSteps(first: Step, draft: Draft, title: string, totalSteps: (d: Draft) => number): Promise<boolean> {
  const answered: Step[] = [];
  let current: Step | undefined = first;
  while (current) {
    const frame: StepFrame = { title, step: answered.length + 1, totalSteps: totalSteps(draft), canGoBack: answered.length > 0 };
    const outcome: Outcome = await current(draft, frame);
    if (outcome === 'cancel') return false;
    if (outcome === 'repeat') continue;
    if (outcome === 'back') {
      current = answered.pop() ?? current;
      continue;
    }
    answered.push(current);
    current = outcome.next;
  }
  return true;
}
