/**
 * The peak memory of a training run, predicted before its first step, and the step mode that fits.
 *
 * The activations dominate: every layer's output of every image is kept for the backward pass. Their size comes
 * from the built encoder (the sum of its layers' output sizes per image), scaled by how much a step holds per
 * byte of layer outputs, measured on this trainer (ResNet-18 at 32×32×3, native backend, batches 32–1024;
 * `npm run bench` prints estimate and measurement side by side):
 *   - 'whole' (both views' graphs on one tape): 4.0 bytes held per byte of layer outputs of one view, per image;
 *   - 'per-view' (one view's graph at a time, step.ts): 1.2.
 * Plus the process itself (Node, TensorFlow.js, the kernels: ~170 MiB), four copies of the parameters (weights,
 * gradients, Adam's two moments), the dataset's images and the kNN feature banks.
 */
import * as os from 'node:os';
import * as fs from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import type { StepMemory } from '../shared/protocol';

const MiB = 2 ** 20;
/** Node, TensorFlow.js and the compiled kernels before any tensor (measured: 160–176 MiB). */
export const PROCESS_BASELINE_MIB = 170;
/** Bytes a step holds per byte of one view's layer outputs, per image (see the header). */
export const HELD_PER_OUTPUT_BYTE: Record<StepMemory, number> = { whole: 4.0, 'per-view': 1.2 };
/** The WebAssembly backend keeps every tensor in one 32-bit heap: 4 GiB, less what the runtime needs. */
export const WASM_HEAP_MIB = 4096 - 256;
/** 'auto' keeps the faster whole-step mode while its estimate stays under this share of the limit. */
export const WHOLE_STEP_SHARE = 0.5;

export interface MemoryInputs {
  encoder: tf.LayersModel;
  head: tf.LayersModel;
  batchSize: number;
  backend: string;
  /** Bytes of images and labels the run holds (train, unlabeled and test splits), 0 for a benchmark. */
  datasetBytes?: number;
  /** Images whose features the kNN monitor encodes (train + test), 0 for a benchmark. */
  featureImages?: number;
}

export interface MemoryEstimate {
  /** Predicted peak memory of the process (wasm: of its heap), MiB. */
  peakMiB: number;
  step: StepMemory;
  /** What the peak must stay under, MiB, and what that is. */
  limitMiB: number;
  limitWhat: string;
  /** The largest batch that fits in this step mode. */
  maxBatch: number;
}

/** Layer outputs per image of one view, in bytes (float32). */
export function layerOutputBytesPerImage(model: tf.LayersModel): number {
  let floats = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) floats += shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  return 4 * floats;
}

function parameterBytes(model: tf.LayersModel): number {
  return 4 * model.countParams();
}

/** The memory this process may use: the machine's RAM, or a lower cgroup limit (containers, Slurm jobs). */
export function machineMemoryLimit(readFile: (p: string) => string = (p) => fs.readFileSync(p, 'utf8')): { mib: number; what: string } {
  const total = os.totalmem() / MiB;
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const bytes = Number(readFile(file).trim());
      if (Number.isFinite(bytes) && bytes > 0 && bytes / MiB < total) return { mib: bytes / MiB, what: `the ${(bytes / 2 ** 30).toFixed(1)} GiB this process's cgroup allows` };
    } catch {
      // No such limit here.
    }
  }
  return { mib: total, what: `this machine's ${(total / 1024).toFixed(1)} GiB of memory` };
}

/** Predicted peak for one step mode. */
export function peakMiB(o: MemoryInputs, step: StepMemory): number {
  const perImage = layerOutputBytesPerImage(o.encoder) + layerOutputBytesPerImage(o.head);
  const params = parameterBytes(o.encoder) + parameterBytes(o.head);
  const features = (o.featureImages ?? 0) * 4 * ((o.encoder.outputs[0].shape.at(-1) as number | null) ?? 0);
  const tensors = 4 * params + o.batchSize * perImage * HELD_PER_OUTPUT_BYTE[step] + (o.datasetBytes ?? 0) + features;
  // The wasm heap holds the tensors; the process around it is not in the heap.
  return tensors / MiB + (o.backend === 'wasm' ? 0 : PROCESS_BASELINE_MIB);
}

/**
 * The step mode for this run and its estimate: `requested` when given, else 'whole' while it stays well inside the
 * limit and 'per-view' beyond. `limit` defaults to the wasm heap on wasm and to the machine (or cgroup) elsewhere.
 */
export function estimateMemory(o: MemoryInputs, requested?: StepMemory, limit = o.backend === 'wasm' ? { mib: WASM_HEAP_MIB, what: 'the 4 GiB WebAssembly heap' } : machineMemoryLimit()): MemoryEstimate {
  const step: StepMemory = requested ?? (peakMiB(o, 'whole') <= WHOLE_STEP_SHARE * limit.mib ? 'whole' : 'per-view');
  const peak = peakMiB(o, step);
  const perImage = (peakMiB({ ...o, batchSize: o.batchSize + 1 }, step) - peak) || 1;
  const maxBatch = Math.max(0, Math.floor(o.batchSize + (limit.mib - peak) / perImage));
  return { peakMiB: peak, step, limitMiB: limit.mib, limitWhat: limit.what, maxBatch };
}

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

/** One line that refuses a run that cannot fit, naming the number, the limit and the fix; null when it fits. */
export function memoryRefusal(e: MemoryEstimate, what: { encoder: string; batchSize: number; shape: number[]; backend: string }): string | null {
  if (e.peakMiB <= e.limitMiB) return null;
  const fixes = [e.maxBatch >= 2 ? `use --batch-size ${e.maxBatch} or less` : 'use a smaller encoder or smaller images'];
  if (what.backend === 'wasm') fixes.push('or --backend native (no heap limit; needs a C compiler)');
  else fixes.push('or a machine with more memory');
  return (
    `${what.encoder} at batch ${what.batchSize} on ${what.shape.join('×')} images needs about ${gib(e.peakMiB)} ` +
    `(${e.step} step), more than ${e.limitWhat}; ${fixes.join(' ')}`
  );
}
