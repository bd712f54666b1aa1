/**
 * Shared by the fast-kernel test files (one per kernel family): the wasm and native routes, seeded inputs,
 * comparison against the cpu backend, and the leak check. The matmul, conv and leading-sum suites run on
 * both routes: the wasm rewrites alone, and the native GEMM/convolution kernels layered over them.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { initBackend } from '../../src/trainer/backend';
import { installFastWasm, isFastWasmInstalled, uninstallFastWasm } from '../../src/trainer/fastWasm';
import { loadNativeKernels } from '../../src/trainer/native/loadNative';
import { assertAllClose, seededNormal } from '../helpers/tf';

export type Route = 'wasm' | 'native';
export const nativeLoad = loadNativeKernels({ threads: 2 });
// CI installs a C compiler, so there the native suites must run rather than skip.
const nativeSkip = nativeLoad.kernels ? false : process.env.CI ? false : `no native kernels here: ${nativeLoad.report.reason}`;

/** Reinstalls the fast kernels for one route (the wasm rewrites alone, or native over them). */
export function useRoute(route: Route): void {
  uninstallFastWasm();
  if (route === 'native' && !nativeLoad.kernels) assert.fail(`native kernels must load in CI: ${nativeLoad.report.reason}`);
  const report = installFastWasm({ env: {}, native: route === 'native' ? (nativeLoad.kernels) : undefined });
  assert.equal(report.installed, true, report.reason);
}

export function routeSuite(route: Route, name: string, body: () => void): void {
  describe(`${route}: ${name}`, { skip: route === 'native' ? nativeSkip : false }, () => {
    before(() => useRoute(route));
    body();
  });
}

export const RTOL = 2e-5;

interface Input {
  shape: number[];
  values: Float32Array;
}

let seed = 1;
export function input(shape: number[], scale = 1): Input {
  const rnd = seededNormal(seed++);
  return { shape, values: Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rnd() * scale) };
}

/** Runs `fn` on `backend` with fresh tensors made from `inputs`; returns every output's values. */
export async function runOn(backend: 'wasm' | 'cpu', inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend(backend);
  const ts = inputs.map((i) => tf.tensor(i.values, i.shape));
  const outs = fn(...ts);
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((o) => Array.from(o.dataSync()));
  tf.dispose([...ts, ...list]);
  return values;
}

/** As compare, for outputs that may hold NaN: NaN must match NaN, the rest exactly. */
export async function compareWithNaN(what: string, inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
  const fast = await runOn('wasm', inputs, fn);
  const ref = await runOn('cpu', inputs, fn);
  await tf.setBackend('wasm');
  fast.forEach((f, i) =>
    f.forEach((v, j) => assert.ok(Object.is(v, ref[i][j]) || v === ref[i][j], `${what} output ${i}[${j}]: got ${v}, expected ${ref[i][j]}`)),
  );
}

/** Fast wasm result vs cpu reference, output by output; tolerance relative to each output's scale. */
export async function compare(what: string, inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
  assert.ok(isFastWasmInstalled(), 'fast kernels must be installed for this comparison');
  const fast = await runOn('wasm', inputs, fn);
  const ref = await runOn('cpu', inputs, fn);
  await tf.setBackend('wasm');
  assert.equal(fast.length, ref.length, `${what}: number of outputs`);
  fast.forEach((f, i) => {
    const scale = ref[i].reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
    assertAllClose(f, ref[i], RTOL, RTOL * scale, `${what} output ${i}`);
  });
}

export function backendDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

/** Runs `fn` twice (the first may create caches) and checks tensors and wasm buffers stay flat. */
export async function assertNoLeak(what: string, fn: () => void): Promise<void> {
  await tf.setBackend('wasm');
  fn();
  const tensors = tf.memory().numTensors;
  const ids = backendDataIds();
  fn();
  assert.equal(tf.memory().numTensors, tensors, `${what}: engine tensors leaked`);
  assert.equal(backendDataIds(), ids, `${what}: wasm buffers leaked`);
}

/** The stock kernels, captured before the fast ones are installed (for the uninstall tests). */
export const stock: { matMul?: tf.KernelFunc; backpropInput?: tf.KernelFunc } = {};

/** Registers the file-level hooks every fast-kernel test file needs: wasm up, stock kernels kept, fast kernels installed. */
export function useFastWasm(): void {
  before(async () => {
    await initBackend('wasm');
    // initBackend installs the fast kernels itself; start these tests from the stock ones.
    uninstallFastWasm();
    stock.matMul = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
    stock.backpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc;
    const report = installFastWasm({ env: {} });
    assert.equal(report.installed, true, report.reason);
  });

  after(() => {
    uninstallFastWasm();
  });
}
