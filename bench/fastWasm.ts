/**
 * Stock vs fast wasm kernels on training-shaped work. Medians of a few runs after warm-up; each run
 * reads its result back (the wasm backend is synchronous, so that is when the work has finished).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/trainer/backend';
import { installFastWasm, isFastWasmInstalled, uninstallFastWasm } from '../src/trainer/fastWasm';

export interface FastWasmBenchRow {
  name: string;
  /** NaN where the stock wasm backend has no kernel for the operation. */
  stockMs: number;
  fastMs: number;
}

const WARMUP = 2;
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median milliseconds of `run`, which returns the tensors it made (read back, then disposed). */
function time(run: () => tf.Tensor[]): number {
  const ms: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    const outs = run();
    // Copying the result out forces completion; never read through tf.tidy (it would walk every element).
    for (const o of outs) o.dataSync();
    const dt = performance.now() - t0;
    tf.dispose(outs);
    if (i >= WARMUP) ms.push(dt);
  }
  return median(ms);
}

interface Case {
  name: string;
  /** False when stock tfjs-backend-wasm 4.22 cannot run it at all. */
  stockRuns: boolean;
  run: () => tf.Tensor[];
}

function cases(): { cases: Case[]; inputs: tf.Tensor[] } {
  const a = tf.randomNormal([256, 1024], 0, 1, 'float32', 1);
  const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
  const x = tf.randomNormal([32, 28, 28, 16], 0, 1, 'float32', 3);
  const f = tf.randomNormal([3, 3, 16, 32], 0, 0.1, 'float32', 4);
  const dy1 = tf.randomNormal([32, 28, 28, 32], 0, 1, 'float32', 5);
  const dy2 = tf.randomNormal([32, 14, 14, 32], 0, 1, 'float32', 6);
  const conv1 = (xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, 'same');
  const conv2 = (xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same');
  return {
    inputs: [a, b, x, f, dy1, dy2],
    cases: [
      { name: 'matMul 256x1024 · (1024x1024)ᵀ (transposeB)', stockRuns: true, run: () => [tf.matMul(a, b, false, true)] },
      { name: 'matMul (256x1024)ᵀ · 256x1024 (transposeA)', stockRuns: true, run: () => [tf.matMul(a, a, true, false)] },
      {
        name: 'conv2dTranspose = Conv2DBackpropInput 32x28x28x16, 3x3x16x32, stride 1 same',
        stockRuns: true,
        run: () => [tf.conv2dTranspose(dy1 as tf.Tensor4D, f as tf.Tensor4D, [32, 28, 28, 16], 1, 'same')],
      },
      {
        name: 'conv2dTranspose = Conv2DBackpropInput 32x28x28x16, 3x3x16x32, stride 2 same',
        stockRuns: true,
        run: () => [tf.conv2dTranspose(dy2 as tf.Tensor4D, f as tf.Tensor4D, [32, 28, 28, 16], 2, 'same')],
      },
      {
        name: 'conv2d grads (dx + dW) 32x28x28x16, 3x3x16x32, stride 1 same',
        stockRuns: false,
        run: () => tf.grads(conv1)([x, f], dy1),
      },
      {
        name: 'conv2d grads (dx + dW) 32x28x28x16, 3x3x16x32, stride 2 same',
        stockRuns: false,
        run: () => tf.grads(conv2)([x, f], dy2),
      },
    ],
  };
}

export async function benchFastWasm(): Promise<FastWasmBenchRow[]> {
  if (tf.getBackend() !== 'wasm') await initBackend('wasm');
  const wasInstalled = isFastWasmInstalled();
  const { cases: list, inputs } = cases();
  const rows: FastWasmBenchRow[] = [];
  try {
    for (const c of list) {
      uninstallFastWasm();
      const stockMs = c.stockRuns ? time(c.run) : Number.NaN;
      const report = installFastWasm();
      if (!report.installed) throw new Error(`fast-wasm kernels could not be installed: ${report.reason}`);
      rows.push({ name: c.name, stockMs, fastMs: time(c.run) });
    }
  } finally {
    tf.dispose(inputs);
    if (!wasInstalled) uninstallFastWasm();
  }
  return rows;
}
