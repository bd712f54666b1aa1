/** Training throughput of the real trainer step on MNIST-shaped random images, after warm-up. */
import * as tf from '@tensorflow/tfjs';
import type { BackendPreference, EncoderKind, LossKind } from '../shared/protocol';
import { augmentBatch, defaultAugmentOptions, type AugmentOptions } from './augment';
import * as fs from 'node:fs';
import { initBackend } from './backend';
import { estimateMemory, memoryRefusal } from './memoryEstimate';
import { startKernelProfile, type KernelTime } from './kernelProfile';
import { buildEncoder, buildProjectionHead, encoderUsesConv, featureDim, missingConvGradientKernels } from './encoders';
import { makeOptimizer } from './optimizer';
import { trainableVariables, trainStep, type StepMemory } from './step';

export interface TrainingBenchOptions {
  encoder: EncoderKind;
  batchSize: number;
  steps: number;
  warmup: number;
  backend: BackendPreference;
  loss: LossKind;
  inputShape: [number, number, number];
  /** Time every kernel during the timed steps (adds a little overhead per kernel call). */
  profile?: boolean;
  /** How the step differentiates (step.ts); by default what the memory estimate picks, as a run does. */
  memory?: StepMemory;
}

export interface TrainingBenchResult {
  /** Batch images per second (each step trains on batchSize images, i.e. 2 × batchSize augmented views). */
  imagesPerSecond: number;
  /** Augmented views encoded per second: 2 × imagesPerSecond. */
  viewsPerSecond: number;
  backend: string;
  threads: number;
  /** wasm only: the instruction set of the native GEMM/convolution kernels, or null when wasm computes alone. */
  native: string | null;
  encoder: EncoderKind;
  batchSize: number;
  msPerStep: number;
  /** Of msPerStep, the time the two augmentations alone take (timed separately, after the steps). */
  augmentMsPerStep: number;
  /** The process's peak resident memory (Linux: the kernel's high-water mark, else sampled after each step). */
  peakRssMiB: number;
  /** What memoryEstimate.ts predicted for that peak before the first step, and the step mode used. */
  estimatedPeakMiB: number;
  memory: StepMemory;
  /**
   * GPU backends (webgpu, webgl): the most GPU memory the backend held after any timed step, MiB; it must stay
   * flat from step to step. Absent on CPU backends, whose memory is in peakRssMiB.
   */
  gpuMiB?: number;
  tensorsLeaked: number;
  /** With `profile`: each kernel's calls and milliseconds per timed step, slowest first. */
  kernels?: KernelTime[];
}

/** Mean ms of producing a step's two augmented views (read back, so the work is really done). */
async function timeAugmentation(batch: tf.Tensor4D, augment: AugmentOptions, steps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const views = tf.tidy(() => tf.stack([augmentBatch(batch, augment, 1000 + 2 * i), augmentBatch(batch, augment, 1001 + 2 * i)]));
    await views.data();
    views.dispose();
  }
  return (performance.now() - t0) / steps;
}

/** GPU memory the backend holds now, in bytes, where it reports one (webgpu and webgl do; CPU backends do not). */
function gpuBytes(): number | undefined {
  const m = tf.memory() as { numBytesInGPU?: number };
  return typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : undefined;
}

/** The kernel's record of this process's peak resident memory (VmHWM), in bytes; undefined off Linux. */
function highWaterMark(): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function benchTraining(o: TrainingBenchOptions): Promise<TrainingBenchResult> {
  const choice = await initBackend(o.backend);
  if (encoderUsesConv(o.encoder)) {
    const missing = missingConvGradientKernels(choice.name === 'tensorflow-gpu' ? 'tensorflow' : choice.name);
    if (missing.length) throw new Error(`the ${choice.name} backend cannot train the ${o.encoder} encoder (no ${missing.join(', ')} kernel)`);
  }
  const encoder = buildEncoder(o.encoder, o.inputShape, 1);
  const head = buildProjectionHead(featureDim(o.encoder), [512, 128], 2);
  const optimizer = makeOptimizer({ kind: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 1e-6, warmupEpochs: 0, schedule: 'constant' });
  const models = { encoder, head, vars: trainableVariables(encoder, head), optimizer };
  const estimate = estimateMemory({ encoder, head, batchSize: o.batchSize, backend: choice.name }, o.memory);
  const refusal = memoryRefusal(estimate, { encoder: o.encoder, batchSize: o.batchSize, shape: o.inputShape, backend: choice.name });
  if (refusal) {
    encoder.dispose();
    head.dispose();
    throw new Error(refusal);
  }
  const augment = defaultAugmentOptions(o.inputShape[2] as 1 | 3, true);
  const batch = tf.randomUniform([o.batchSize, ...o.inputShape], 0, 1, 'float32', 3) as tf.Tensor4D;
  let peakRss = process.memoryUsage().rss;
  let peakGpu: number | undefined;
  const settings = (i: number) => ({ loss: o.loss, temperature: 0.1, sigma: 0.5, augment, seeds: [2 * i, 2 * i + 1] as [number, number], memory: estimate.step });
  try {
    for (let i = 0; i < o.warmup; i++) await trainStep(models, batch, settings(i));
    const tensorsBefore = tf.memory().numTensors;
    const profiler = o.profile ? startKernelProfile() : undefined;
    const t0 = performance.now();
    let seconds: number;
    let kernels: KernelTime[] | undefined;
    try {
      for (let i = 0; i < o.steps; i++) {
        await trainStep(models, batch, settings(o.warmup + i));
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const gpu = gpuBytes();
        if (gpu !== undefined) peakGpu = Math.max(peakGpu ?? 0, gpu);
      }
      seconds = (performance.now() - t0) / 1000;
      kernels = profiler?.totals().map((k) => ({ kernel: k.kernel, calls: k.calls / o.steps, ms: k.ms / o.steps }));
    } finally {
      profiler?.stop();
    }
    const augmentMs = await timeAugmentation(batch, augment, o.steps);
    return {
      imagesPerSecond: (o.batchSize * o.steps) / seconds,
      viewsPerSecond: (2 * o.batchSize * o.steps) / seconds,
      augmentMsPerStep: augmentMs,
      backend: choice.name,
      threads: choice.threads ?? 0,
      native: choice.native?.isa ?? null,
      encoder: o.encoder,
      batchSize: o.batchSize,
      msPerStep: (seconds * 1000) / o.steps,
      peakRssMiB: (highWaterMark() ?? peakRss) / 2 ** 20,
      estimatedPeakMiB: estimate.peakMiB,
      memory: estimate.step,
      ...(peakGpu !== undefined ? { gpuMiB: peakGpu / 2 ** 20 } : {}),
      tensorsLeaked: tf.memory().numTensors - tensorsBefore,
      ...(kernels ? { kernels } : {}),
    };
  } finally {
    batch.dispose();
    optimizer.dispose();
    encoder.dispose();
    head.dispose();
  }
}
