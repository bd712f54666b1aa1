/**
 * The `native` backend (cpu storage + compiled kernels) against the cpu backend: every kernel it replaces, values
 * and gradients, on small and odd shapes; its buffer reuse (a reused buffer never changes what a caller read); the
 * backend chain; and a sabotaged kernel that these comparisons must catch.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { AUTO_ORDER, initBackend } from '../src/trainer/backend';
import { batchNormTraining } from '../src/trainer/batchNorm';
import { binaryLayout } from '../src/trainer/fastWasm/nativeElementwise';
import { BufferPool } from '../src/trainer/native/bufferPool';
import { loadNativeKernels, type NativeKernels } from '../src/trainer/native/loadNative';
import { NATIVE_BACKEND, registerNativeBackend } from '../src/trainer/native/nativeBackend';
import { assertAllClose, seededNormal } from './helpers/tf';

const nativeLoad = loadNativeKernels({ threads: 2 });
// CI installs a C compiler, so there these suites must run rather than skip.
const skip = nativeLoad.kernels ? false : process.env.CI ? false : `no native kernels here: ${nativeLoad.report.reason}`;

let seed = 11;
function values(shape: number[], scale = 1): { shape: number[]; values: Float32Array } {
  const rnd = seededNormal(seed++);
  return { shape, values: Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rnd() * scale) };
}

type Fn = (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

async function runOn(backend: string, inputs: { shape: number[]; values: Float32Array }[], fn: Fn): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = inputs.map((i) => tf.tensor(i.values, i.shape));
  const outs = fn(...ts);
  const list = Array.isArray(outs) ? outs : [outs];
  const read = list.map((o) => o.dataSync() as Float32Array);
  tf.dispose([...ts, ...list]);
  return read;
}

/** `fn` on `backend` (the native one by default) equals `fn` on cpu, output by output. */
async function compare(what: string, inputs: { shape: number[]; values: Float32Array }[], fn: Fn, backend = NATIVE_BACKEND, rtol = 2e-5, atol = 2e-5): Promise<void> {
  const got = await runOn(backend, inputs, fn);
  const want = await runOn('cpu', inputs, fn);
  assert.equal(got.length, want.length, `${what}: output count`);
  got.forEach((g, i) => assertAllClose(g, want[i], rtol, atol, `${what} output ${i}`));
}

/** The value and the gradients of sum(fn(...) · w) with respect to every input, for a fixed random w. */
function withGradients(fn: (...ts: tf.Tensor[]) => tf.Tensor): Fn {
  return (...ts) => {
    const y = fn(...ts);
    // The same weights on every backend: a generator of their own, not the inputs' running seed.
    const rnd = seededNormal(999);
    const w = tf.tensor(Float32Array.from({ length: y.size }, () => rnd()), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fn(...xs), w)))(ts);
    w.dispose();
    return [y, ...grads];
  };
}

describe('native backend', { skip }, () => {
  before(async () => {
    await initBackend('native');
    assert.equal(tf.getBackend(), NATIVE_BACKEND);
  });

  test('auto tries it after the libtensorflow backends and before wasm', () => {
    assert.deepEqual(AUTO_ORDER, ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu']);
  });

  test('initBackend records the compiled kernels', async () => {
    const choice = await initBackend('native');
    assert.equal(choice.name, 'native');
    assert.ok(choice.native && choice.native.threads >= 1, 'backend.native is recorded');
    assert.ok(choice.details.some((d) => d.startsWith('native kernels:')), choice.details.join('; '));
  });

  test('convolutions: values, input and filter gradients (stride 2, padding, 1×1, odd channels)', async () => {
    const cases: [number[], number[], number, 'same' | 'valid' | number][] = [
      [[2, 7, 9, 3], [3, 3, 3, 8], 1, 'same'],
      [[2, 7, 9, 3], [3, 3, 3, 8], 2, 'same'],
      [[2, 8, 8, 5], [3, 3, 5, 17], 2, 'valid'],
      [[3, 6, 6, 17], [1, 1, 17, 5], 2, 'valid'],
      [[2, 6, 5, 8], [1, 1, 8, 3], 1, 'same'],
      [[2, 9, 7, 3], [3, 3, 3, 4], 2, 1],
    ];
    for (const [x, f, stride, pad] of cases) {
      await compare(`conv ${x}*${f} s${stride} ${pad}`, [values(x), values(f)], withGradients((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)), NATIVE_BACKEND, 1e-4, 1e-4);
    }
  });

  test('matmul with every transpose, and the fused dense layer with bias and relu', async () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = values(tA ? [7, 5] : [5, 7]);
      const b = values(tB ? [9, 7] : [7, 9]);
      await compare(`matMul tA=${tA} tB=${tB}`, [a, b], withGradients((x, y) => tf.matMul(x, y, tA, tB)));
    }
    await compare('fused matMul', [values([6, 5]), values([5, 33]), values([33])], (x, w, bias) =>
      tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' }),
    );
  });

  test('binary arithmetic in every broadcast layout, gradients included', async () => {
    const shapes: [number[], number[]][] = [
      [[4, 5, 6, 7], [4, 5, 6, 7]], // residual add: whole + whole
      [[4, 5, 6, 7], [7]], // a per-channel row
      [[7], [4, 5, 6, 7]],
      [[4, 5, 6, 7], [1, 1, 6, 7]],
      [[9, 13], [9, 1]], // one value per row (dividing by row norms)
      [[9, 1], [9, 13]],
      [[4, 5, 6, 7], [4, 5, 1, 1]],
      [[9, 13], []], // a scalar
      [[], [9, 13]],
      [[9, 1], [1, 13]], // an outer product: per-row and row together
      [[4, 1, 6], [4, 5, 1]], // neither: left to the cpu kernel
    ];
    for (const [sa, sb] of shapes) {
      for (const op of [tf.add, tf.sub, tf.mul, tf.div] as const) {
        // Divisors kept away from zero so the comparison is well conditioned.
        const b = values(sb);
        if (op === tf.div) b.values.forEach((v, i) => (b.values[i] = 1.5 + Math.abs(v)));
        await compare(`${op.name} [${sa}] [${sb}]`, [values(sa), b], withGradients((x, y) => op(x, y)));
      }
    }
  });

  test('binaryLayout picks the layouts the C kernel reads, and refuses the rest', () => {
    assert.deepEqual(binaryLayout([4, 5, 6, 7], [7])?.reads, [1, 0]);
    assert.deepEqual(binaryLayout([9, 13], [9, 1]), { outShape: [9, 13], rows: 9, inner: 13, reads: [1, 2] });
    assert.deepEqual(binaryLayout([9, 1], [1, 13])?.reads, [2, 0]);
    assert.equal(binaryLayout([4, 1, 6], [4, 5, 1]), null);
    assert.equal(binaryLayout([3, 4], [5, 4]), null, 'incompatible shapes stay with the wrapped kernel and its error');
  });

  test('batch norm (training), relu, sums, means and exp', async () => {
    const x = values([3, 5, 4, 6]);
    const gamma = values([6]);
    const beta = values([6]);
    await compare('batch norm training', [x, gamma, beta], withGradients((a, g, b) => batchNormTraining(a, g, b, 1e-5).y), NATIVE_BACKEND, 1e-4, 1e-4);
    await compare('relu', [values([4, 9, 5])], withGradients((a) => tf.relu(a)));
    await compare('mean over H, W', [values([3, 5, 4, 6])], withGradients((a) => tf.mean(a, [1, 2])));
    await compare('sum over rows', [values([7, 11])], withGradients((a) => tf.sum(a, 0)));
    await compare('exp', [values([5, 7], 0.5)], (a) => tf.exp(a));
  });

  test('inference batch norm and top-k (ties keep the lower index first, as tfjs orders them)', async () => {
    const x = values([3, 4, 5, 6]);
    const variance = values([6]);
    variance.values.forEach((v, i) => (variance.values[i] = 0.5 + Math.abs(v)));
    await compare('batch norm with statistics', [x, values([6]), variance, values([6]), values([6])], (a, m, v, o, g) =>
      tf.batchNorm(a, m, v, o, g, 1e-3),
    );
    await compare('batch norm without offset and scale', [x, values([6]), variance], (a, m, v) => tf.batchNorm(a, m, v), NATIVE_BACKEND, 1e-5, 1e-5);
    const ties = { shape: [7, 40], values: Float32Array.from({ length: 280 }, (_, i) => Math.round(Math.sin(i * 1.7) * 4) / 4) };
    for (const k of [1, 5, 40]) {
      await compare(`topk k=${k} with ties`, [ties], (a) => {
        const { values: v, indices } = tf.topk(a, k);
        return [v, tf.cast(indices, 'float32')];
      }, NATIVE_BACKEND, 0, 0);
    }
  });

  test('clip (NaN passed through) and fill', async () => {
    const x = values([5, 9], 2);
    x.values[3] = NaN;
    const got = await runOn(NATIVE_BACKEND, [x], (a) => tf.clipByValue(a, -0.5, 1));
    const want = await runOn('cpu', [x], (a) => tf.clipByValue(a, -0.5, 1));
    got[0].forEach((v, i) => assert.ok(Object.is(v, want[0][i]), `clip[${i}]: ${v} vs ${want[0][i]}`));
    await compare('fill', [], () => [tf.fill([3, 7], 2.5), tf.cast(tf.fill([4], 3, 'int32'), 'float32'), tf.zeros([2, 2]), tf.ones([5])], NATIVE_BACKEND, 0, 0);
  });

  test('a tensor larger than the 4 GB WebAssembly heap can exist', { skip: process.arch !== 'x64' && process.arch !== 'arm64' ? 'needs a 64-bit machine' : false }, async () => {
    await tf.setBackend(NATIVE_BACKEND);
    // Zeros the OS has not handed out yet: allocating this touches no memory.
    const big = tf.zeros([2 ** 30 + 16]);
    assert.equal(big.size * 4 > 2 ** 32, true);
    big.dispose();
  });

  test('reused buffers never change what a caller read, and tensors do not leak', async () => {
    await tf.setBackend(NATIVE_BACKEND);
    const a = tf.tensor(values([64, 64]).values, [64, 64]);
    const y = tf.relu(a);
    const read = y.dataSync();
    const before = Float32Array.from(read);
    y.dispose();
    // The next outputs of that size reuse y's buffer; the array read above must be a copy.
    const z = tf.relu(tf.neg(a));
    assert.deepEqual(Float32Array.from(read), before);
    // A contiguous slice is a view of its input's buffer: after the input goes, the slice keeps its values.
    const wide = tf.relu(a);
    const rows = tf.slice(wide, [0, 0], [8, 64]);
    const expected = Float32Array.from(rows.dataSync());
    wide.dispose();
    const churn = tf.relu(tf.neg(a));
    assertAllClose(rows.dataSync(), expected, 0, 0, 'slice after its input was freed');
    tf.dispose([a, z, rows, churn]);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.sum(tf.add(tf.relu(tf.ones([32, 32])), 1));
      });
    }
    assert.equal(tf.memory().numTensors, tensors);
  });

  test('the buffer pool hands back only whole buffers of its own that no view shares, within its cap', () => {
    const pool = new BufferPool(1024);
    const first = pool.take(256);
    pool.give(new Float32Array(first));
    assert.equal(pool.take(256), first, 'a freed buffer is reused');
    const shared = pool.take(256);
    pool.markShared(shared);
    pool.give(new Float32Array(shared));
    assert.notEqual(pool.take(256), shared, 'a buffer another tensor views is never reused');
    const partial = pool.take(256);
    pool.give(new Float32Array(partial, 4, 8));
    assert.notEqual(pool.take(256), partial, 'only a view of the whole buffer returns it');
    pool.give(new Float32Array(new ArrayBuffer(256)));
    assert.equal(pool.heldBytes, 0, 'foreign buffers are not kept');
    pool.give(new Float32Array(pool.take(2048)));
    assert.equal(pool.heldBytes, 0, 'the cap holds');
  });

  test('a sabotaged kernel is caught by these comparisons', async () => {
    const kernels = nativeLoad.kernels as NativeKernels;
    // Adds computed as subtractions: the binary-arithmetic comparison above must fail on it.
    // (The addon's functions are non-enumerable, read-only properties: inherit them and shadow one.)
    const sabotaged = Object.create(kernels) as NativeKernels;
    Object.defineProperty(sabotaged, 'binary', { value: (op: number, ...rest: Parameters<NativeKernels['binary']> extends [number, ...infer R] ? R : never) => kernels.binary(op === 0 ? 1 : op, ...rest) });
    registerNativeBackend(sabotaged, 'native-sabotaged');
    await assert.rejects(compare('sabotaged add', [values([4, 8]), values([4, 8])], (x, y) => tf.add(x, y), 'native-sabotaged'), /sabotaged add output 0/);
    await compare('sabotaged backend, untouched kernel', [values([4, 8])], (x) => tf.relu(x), 'native-sabotaged');
    await tf.setBackend(NATIVE_BACKEND);
  });
});
