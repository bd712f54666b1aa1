/**
 * The one typed contract shared by the trainer child process, the extension host and the webviews.
 *
 * Everything here is plain data (no tfjs, no vscode) so every side can import it without pulling
 * anything heavy into its bundle. Bump EVENT_SCHEMA_VERSION whenever a field changes meaning.
 */

export const EVENT_SCHEMA_VERSION = 1;

// The losses are listed once, with their labels and properties, in lossRegistry.ts.
export { LOSS_KINDS, type LossKind } from './lossRegistry';
import type { LossKind } from './lossRegistry';

export type DatasetKind = 'mnist' | 'idx' | 'cifar10' | 'cifar100' | 'stl10' | 'imagefolder' | 'synthetic';
export const DATASET_KINDS: readonly DatasetKind[] = ['mnist', 'idx', 'cifar10', 'cifar100', 'stl10', 'imagefolder', 'synthetic'];
/** Datasets read from a folder the user provides (they need `dataDir`). */
export const FOLDER_DATASETS: readonly DatasetKind[] = ['idx', 'cifar10', 'cifar100', 'stl10', 'imagefolder'];

export type EncoderKind = 'mlp' | 'cnn' | 'resnet18';
export const ENCODER_KINDS: readonly EncoderKind[] = ['mlp', 'cnn', 'resnet18'];

export type BackendPreference = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'native' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'];

/** How a training step differentiates: both views' graphs at once, or one view at a time (less memory). */
export type StepMemory = 'whole' | 'per-view';
export const STEP_MEMORY_MODES: readonly StepMemory[] = ['whole', 'per-view'];

export interface RunMemory {
  /** Predicted peak memory of the trainer process (wasm: of its heap), MiB. */
  estimatedPeakMiB: number;
  /** What the peak must stay under: the machine's (or cgroup's) memory, or the wasm heap, MiB. */
  limitMiB: number;
  step: StepMemory;
}

export type OptimizerKind = 'adam' | 'sgd';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['adam', 'sgd'];

export type LrSchedule = 'cosine' | 'constant';
export const SCHEDULES: readonly LrSchedule[] = ['cosine', 'constant'];

export interface RunConfig {
  /** Optional human name shown in the run list. */
  name?: string;
  /** Set on the runs of one sweep (losses × batch sizes × seeds) so tools can group them. */
  sweepId?: string;
  loss: LossKind;
  temperature: number;
  /** DCLW weighting temperature σ. */
  sigma: number;
  dataset: DatasetKind;
  /** Folder holding the dataset files (required for every dataset but `mnist` and `synthetic`). */
  dataDir?: string;
  /** imagefolder only: a second ImageFolder used as the test split (otherwise a seeded split of dataDir). */
  testDir?: string;
  /** imagefolder only: images are resized to imageSize × imageSize. */
  imageSize: number;
  /** STL-10 only: also train on the 100 000-image unlabeled split (kNN still uses the labelled train split). */
  useUnlabeled: boolean;
  /** Use only the first N training images (0 = all). */
  subset: number;
  /** Use only the first N test images for kNN (0 = all). */
  testSubset: number;
  encoder: EncoderKind;
  /** Hidden and output sizes of the projection head; the last one is the embedding width. */
  projection: number[];
  batchSize: number;
  epochs: number;
  optimizer: {
    kind: OptimizerKind;
    lr: number;
    momentum: number;
    weightDecay: number;
    /** Linear warm-up length in epochs before the cosine decay. */
    warmupEpochs: number;
    schedule: LrSchedule;
  };
  seed: number;
  backend: BackendPreference;
  knn: { k: number; t: number; everyEpochs: number; everySteps: number };
  /** After the last epoch: `linear` trains a linear classifier on frozen encoder features (top-1 in final.linearAccuracy). */
  eval: { linear: boolean };
  /** Test-split features written after each evaluated epoch for projections. */
  embeddings: { layers: ('encoder' | 'projection')[]; maxPoints: number; keepLast: number };
  /** Write a `step` event every N steps and an `npc` summary every N steps. */
  logEvery: number;
  /** Folder inside which the run folder is created. */
  runsDir: string;
}

export type RunState = 'queued' | 'running' | 'finished' | 'stopped' | 'failed' | 'interrupted';
/** Every state, in the order a run passes through them ('interrupted' is the host's reading of a dead `running`). */
export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'finished', 'stopped', 'failed', 'interrupted'];
/** The states a run ends in; each is written with a reason or final results. */
export const TERMINAL_STATES: readonly RunState[] = ['finished', 'stopped', 'failed'];

/** A WebGPU adapter as the run records it: who made it and the limits that bound batch size and kernels. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  limits: Record<string, number>;
  features: string[];
  /** A software (fallback) adapter, taken only because DCL_WEBGPU_ALLOW_SOFTWARE=1 asked for it. */
  software?: boolean;
}

export interface BackendInfo {
  name: string;
  tfjsVersion: string;
  /** Threads doing the numerical work (the wasm pool's size; 1 on cpu; absent where the library decides). */
  threads?: number;
  /** wasm only: the native GEMM/convolution kernels compiled for this CPU (absent when they are not in use). */
  native?: { isa: string; threads: number };
  /** webgpu only: the GPU adapter the run trains on. */
  gpu?: GpuAdapterInfo;
  /** Free text facts about the device: threads, GPU, fallbacks tried and why they failed. */
  details: string[];
}

export interface RunStatus {
  schemaVersion: number;
  state: RunState;
  createdAt: string;
  startedAt?: string;
  /** The last time the run was resumed from a checkpoint (startedAt stays the first start). */
  resumedAt?: string;
  endedAt?: string;
  pid?: number;
  backend?: BackendInfo;
  step?: number;
  epoch?: number;
  totalSteps?: number;
  /** linearAccuracy: top-1 of the linear evaluation of the run's last checkpoint (`eval.linear` or `dcl-explorer eval`). */
  final?: { loss?: number; knnAccuracy?: number; bestKnnAccuracy?: number; linearAccuracy?: number };
  error?: string;
  /** How the trainer was started; absent means `local` (a child process of the CLI or the editor). */
  launcher?: 'local' | 'slurm';
  /** Slurm runs: the job (array) id and element, and once it ended, the scheduler's final state and reason. */
  slurm?: { jobId: string; arrayTaskId?: number; state?: string; reason?: string };
}

export interface NpcSummary {
  count: number;
  mean: number;
  std: number;
  /** Coefficient of variation σ/μ. */
  cv: number;
  /** Percentiles at NPC_PERCENTILES. */
  percentiles: number[];
  /** Counts of q in NPC_HISTOGRAM_BINS equal bins over [0, 1]. */
  histogram: number[];
}

/** TensorBoard's distribution bands. */
export const NPC_PERCENTILES: readonly number[] = [0, 7, 16, 31, 50, 69, 84, 93, 100];
export const NPC_HISTOGRAM_BINS = 50;

interface EventBase {
  step: number;
  epoch: number;
  /** ISO timestamp. */
  time: string;
}

export interface StartedEvent extends EventBase {
  type: 'started';
  schemaVersion: number;
  config: RunConfig;
  backend: BackendInfo;
  /** The peak-memory estimate made before the first step, and the step mode it chose (absent in older runs). */
  memory?: RunMemory;
  totalSteps: number;
  trainSize: number;
  testSize: number;
}
export interface StepEvent extends EventBase {
  type: 'step';
  loss: number;
  lr: number;
  imagesPerSecond: number;
}
export interface NpcEvent extends EventBase {
  type: 'npc';
  summary: NpcSummary;
}
export interface KnnEvent extends EventBase {
  type: 'knn';
  accuracy: number;
  k: number;
  t: number;
}
/**
 * Linear evaluation of a checkpoint (the papers' metric): a softmax classifier on its frozen, L2-normalised
 * encoder features; `step` and `epoch` are the checkpoint's.
 */
export interface LinearEvent extends EventBase {
  type: 'linear';
  /** Top-1 on the test split. */
  accuracy: number;
  /** The penalty λ chosen on the validation split, and that split's top-1 with it (absent when only one λ was tried). */
  weightDecay: number;
  validationAccuracy?: number;
  trainSize: number;
  testSize: number;
  /** Wall time: features (when they were not already computed) and the classifier's fits. */
  seconds: number;
}
export interface EpochEvent extends EventBase {
  type: 'epoch';
  meanLoss: number;
  seconds: number;
}
export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  /** Path relative to the run folder. */
  path: string;
}
export interface EmbeddingEvent extends EventBase {
  type: 'embedding';
  /** Path relative to the run folder of the embedding header JSON. */
  path: string;
}
export interface FinishedEvent extends EventBase {
  type: 'finished';
  loss: number;
  knnAccuracy: number;
  /** Top-1 of the in-run linear evaluation (eval.linear), when it ran; the `linear` event before it has the details. */
  linearAccuracy?: number;
}
export interface StoppedEvent extends EventBase {
  type: 'stopped';
  reason: string;
}
export interface FailedEvent extends EventBase {
  type: 'failed';
  reason: string;
}
/**
 * The run continues from its last checkpoint (`dcl-explorer train --resume`, the Runs view's Resume); `step` and
 * `epoch` are the checkpoint's. Events after it with a higher step (written before the stop or crash) are
 * superseded: those steps are trained again.
 */
export interface ResumedEvent extends EventBase {
  type: 'resumed';
  /** Steps the previous process had trained past the checkpoint (from its last step event), now lost. */
  lostSteps: number;
  /** The state the run was in (stopped, failed, or running for a trainer that vanished). */
  from: RunState;
  backend: BackendInfo;
  /** As in the started event (unchanged: the config is the run's). */
  totalSteps: number;
}

export type RunEvent =
  | StartedEvent
  | StepEvent
  | NpcEvent
  | KnnEvent
  | LinearEvent
  | EpochEvent
  | CheckpointEvent
  | EmbeddingEvent
  | FinishedEvent
  | StoppedEvent
  | FailedEvent
  | ResumedEvent;

export type RunEventType = RunEvent['type'];

/**
 * Messages the trainer child sends to its parent over Node IPC. The run folder is the data channel: events
 * live in metrics.jsonl and log lines in log.txt and on stdout, so IPC carries only a doorbell saying that
 * new events have been appended (the host then reads the file at once instead of at its next poll).
 */
export type ChildToHost = { type: 'flushed' };

/** Messages the parent sends to the trainer child. */
export type HostToChild = { type: 'stop' };

/**
 * The trainer child's exit code when it refused `--resume` (the run folder is left exactly as it was); the host
 * reads it only from a resume launch.
 */
export const EXIT_RESUME_REFUSED = 75;

export const RUN_FILES = {
  config: 'config.json',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  log: 'log.txt',
  checkpoints: 'checkpoints',
  embeddings: 'embeddings',
} as const;
