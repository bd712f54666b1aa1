/**
 * The fast wasm kernels against the cpu backend: values and gradients, odd shapes, every transpose
 * combination, batching, fused bias/activation, conv strides/padding/channels; plus the version pin,
 * the off switches, uninstall and tensor leaks. The matmul and conv suites run twice: on the wasm
 * rewrites alone, and with the native GEMM/convolution kernels layered over them.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/trainer/backend';
import {
  FAST_WASM_TFJS_VERSION,
  installFastWasm,
  isFastWasmInstalled,
  uninstallFastWasm,
  versionMismatch,
} from '../src/trainer/fastWasm';
import { residues } from '../src/trainer/fastWasm/conv2dBackpropInput';
import { MIN_MACS_PER_BATCH_ENTRY, foldCosts, isTrailingBlock, planMatMul } from '../src/trainer/fastWasm/matmul';
import { columnSums, contiguousReduction, leadingReduction } from '../src/trainer/fastWasm/sum';
import { MAX_PATCH_FLOATS, PATCH_MAX_CHANNELS, patchLimit, usePatchRoute } from '../src/trainer/fastWasm/im2col';
import { loadNativeKernels, type NativeKernels } from '../src/trainer/native/loadNative';
import { BATCH_NORM_TRAINING } from '../src/trainer/fastWasm/nativeBatchNorm';
import { RELU_GRAD } from '../src/trainer/fastWasm/nativeElementwise';
import { batchNormTraining } from '../src/trainer/batchNorm';
import { assertAllClose, seededNormal } from './helpers/tf';

type Route = 'wasm' | 'native';
const nativeLoad = loadNativeKernels({ threads: 2 });
// CI installs a C compiler, so there the native suites must run rather than skip.
const nativeSkip = nativeLoad.kernels ? false : process.env.CI ? false : `no native kernels here: ${nativeLoad.report.reason}`;

/** Reinstalls the fast kernels for one route (the wasm rewrites alone, or native over them). */
function useRoute(route: Route): void {
  uninstallFastWasm();
  if (route === 'native' && !nativeLoad.kernels) assert.fail(`native kernels must load in CI: ${nativeLoad.report.reason}`);
  const report = installFastWasm({ env: {}, native: route === 'native' ? (nativeLoad.kernels as NativeKernels) : undefined });
  assert.equal(report.installed, true, report.reason);
}

function routeSuite(route: Route, name: string, body: () => void): void {
  describe(`${route}: ${name}`, { skip: route === 'native' ? nativeSkip : false }, () => {
    before(() => useRoute(route));
    body();
  });
}

const RTOL = 2e-5;

interface Input {
  shape: number[];
  values: Float32Array;
}

let seed = 1;
function input(shape: number[], scale = 1): Input {
  const rnd = seededNormal(seed++);
  return { shape, values: Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rnd() * scale) };
}

/** Runs `fn` on `backend` with fresh tensors made from `inputs`; returns every output's values. */
async function runOn(backend: 'wasm' | 'cpu', inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend(backend);
  const ts = inputs.map((i) => tf.tensor(i.values, i.shape));
  const outs = fn(...ts);
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((o) => Array.from(o.dataSync()));
  tf.dispose([...ts, ...list]);
  return values;
}

/** As compare, for outputs that may hold NaN: NaN must match NaN, the rest exactly. */
async function compareWithNaN(what: string, inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
  const fast = await runOn('wasm', inputs, fn);
  const ref = await runOn('cpu', inputs, fn);
  await tf.setBackend('wasm');
  fast.forEach((f, i) =>
    f.forEach((v, j) => assert.ok(Object.is(v, ref[i][j]) || v === ref[i][j], `${what} output ${i}[${j}]: got ${v}, expected ${ref[i][j]}`)),
  );
}

/** Fast wasm result vs cpu reference, output by output; tolerance relative to each output's scale. */
async function compare(what: string, inputs: Input[], fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
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

function backendDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

/** Runs `fn` twice (the first may create caches) and checks tensors and wasm buffers stay flat. */
async function assertNoLeak(what: string, fn: () => void): Promise<void> {
  await tf.setBackend('wasm');
  fn();
  const tensors = tf.memory().numTensors;
  const ids = backendDataIds();
  fn();
  assert.equal(tf.memory().numTensors, tensors, `${what}: engine tensors leaked`);
  assert.equal(backendDataIds(), ids, `${what}: wasm buffers leaked`);
}

let stockMatMul: tf.KernelFunc;
let stockBackpropInput: tf.KernelFunc;

before(async () => {
  await initBackend('wasm');
  // initBackend installs the fast kernels itself; start these tests from the stock ones.
  uninstallFastWasm();
  stockMatMul = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
  stockBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc;
  const report = installFastWasm({ env: {} });
  assert.equal(report.installed, true, report.reason);
});

after(() => {
  uninstallFastWasm();
});

describe('version pin and switches', () => {
  test('versionMismatch accepts only the version the kernels were written for', () => {
    assert.equal(versionMismatch({ core: '4.22.0', wasm: '4.22.0' }), null);
    assert.equal(
      versionMismatch({ core: '4.23.0', wasm: '4.22.0' }),
      'fast-wasm kernels were written for tfjs 4.22.0 but tfjs-core 4.23.0 is loaded; using stock kernels',
    );
    assert.match(versionMismatch({ core: '4.22.0', wasm: '4.21.1' }) ?? '', /but tfjs-backend-wasm 4\.21\.1 is loaded/);
    assert.match(versionMismatch({ core: '5.0.0', wasm: undefined }) ?? '', /tfjs-core 5\.0\.0 and tfjs-backend-wasm \(unknown\) are loaded/);
    assert.equal(FAST_WASM_TFJS_VERSION, '4.22.0');
    assert.equal(tf.version['tfjs-core'], FAST_WASM_TFJS_VERSION, 'this project pins tfjs 4.22.0');
  });

  test('a version mismatch, DCL_FAST_WASM=0 or enabled:false installs nothing', () => {
    uninstallFastWasm();
    try {
      const mismatch = installFastWasm({ env: {}, versions: { core: '4.23.0', wasm: '4.23.0' } });
      assert.equal(mismatch.installed, false);
      assert.deepEqual(mismatch.kernels, []);
      assert.match(mismatch.reason ?? '', /written for tfjs 4\.22\.0 but tfjs-core 4\.23\.0 and tfjs-backend-wasm 4\.23\.0 are loaded; using stock kernels/);
      assert.equal(installFastWasm({ env: { DCL_FAST_WASM: '0' } }).installed, false);
      assert.equal(installFastWasm({ env: {}, enabled: false }).installed, false);
      assert.equal(isFastWasmInstalled(), false);
      assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stockMatMul, 'stock kernel untouched');
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    } finally {
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
  });

  test('installs only on the wasm backend, and only once', async () => {
    await tf.setBackend('cpu');
    uninstallFastWasm();
    try {
      const r = installFastWasm({ env: {} });
      assert.equal(r.installed, false);
      assert.match(r.reason ?? '', /active backend is cpu/);
    } finally {
      await tf.setBackend('wasm');
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
    const again = installFastWasm({ env: {} });
    assert.equal(again.installed, true);
    assert.equal(again.reason, 'already installed');
    assert.deepEqual(again.kernels.sort(), ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity', 'Sum', '_FusedMatMul']);
  });

  test('uninstall restores the stock kernels and their behaviour', async () => {
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stockMatMul);
    assert.equal(uninstallFastWasm(), true);
    try {
      assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stockMatMul);
      assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc, stockBackpropInput);
      // Stock 4.22 has no Conv2DBackpropFilter for wasm, so a conv's filter gradient fails again.
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
      await tf.setBackend('wasm');
      const x = tf.ones([1, 4, 4, 1]);
      const f = tf.ones([2, 2, 1, 1]);
      assert.throws(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))([x, f]));
      tf.dispose([x, f]);
      assert.equal(uninstallFastWasm(), false, 'second uninstall is a no-op');
    } finally {
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
  });
});

describe('planning', () => {
  test('planMatMul picks the rewrite per batch layout and leaves unsupported broadcasts to stock', () => {
    assert.equal(planMatMul([3, 5], [5, 7], false, false).kind, 'fold');
    assert.equal(planMatMul([4, 3, 5], [1, 5, 7], false, false).kind, 'fold');
    assert.equal(planMatMul([1, 3, 5], [4, 5, 7], false, false).kind, 'spread');
    assert.equal(planMatMul([4, 40, 30], [4, 30, 35], false, false).kind, 'perEntry');
    assert.equal(planMatMul([4, 20, 30], [4, 30, 25], false, false).kind, 'small');
    assert.equal(planMatMul([4, 3, 5], [4, 5, 7], false, false).kind, 'small');
    assert.ok(3 * 5 * 7 < MIN_MACS_PER_BATCH_ENTRY);
    assert.equal(planMatMul([2, 1, 3, 5], [1, 3, 5, 7], false, false).kind, 'stock');
    assert.equal(planMatMul([3, 5], [6, 7], false, false).kind, 'stock');
    assert.deepEqual((planMatMul([2, 3, 6, 5], [5, 4], false, false) as { outShape: number[] }).outShape, [2, 3, 6, 4]);
  });

  test('the swapped form is chosen where it copies less (A·Bᵀ with short A), never for plain A·B', () => {
    const zzT = planMatMul([256, 1024], [1024, 1024], false, true);
    assert.equal(zzT.kind === 'fold' && zzT.swap, true);
    const plain = planMatMul([256, 1024], [1024, 1024], false, false);
    assert.equal(plain.kind === 'fold' && plain.swap, false);
    const dw = planMatMul([256, 1024], [256, 1024], true, false);
    assert.equal(dw.kind === 'fold' && dw.swap, false);
    const c = foldCosts(256, 1024, 1024, 1, false, true);
    assert.ok(c.swapped < c.direct);
  });

  test('isTrailingBlock', () => {
    assert.equal(isTrailingBlock([7], [2, 3, 7]), true);
    assert.equal(isTrailingBlock([1, 3, 7], [2, 3, 7]), true);
    assert.equal(isTrailingBlock([3, 1], [2, 3, 7]), false);
  });

  test('conv residues cover every filter tap exactly once', () => {
    for (const [size, k, s, pad] of [[7, 3, 2, 1], [9, 5, 3, 2], [8, 1, 2, 0], [7, 2, 2, 0]]) {
      const rs = residues(size, Math.ceil(size / s), k, s, pad);
      assert.equal(rs.reduce((n, r) => n + r.taps, 0), k, `size ${size} k ${k} s ${s}`);
    }
  });
});

for (const route of ['wasm', 'native'] as const) {
  routeSuite(route, 'matMul', () => {
    const combos: [boolean, boolean][] = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ];
    const stored = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);

    test('odd 2-D shapes, all transpose combinations, values and gradients', async () => {
      for (const [m, k, n] of [[3, 5, 7], [33, 70, 45], [1, 9, 1], [200, 24, 6]]) {
        for (const [ta, tb] of combos) {
          const a = input(stored(m, k, ta));
          const b = input(stored(k, n, tb));
          const dy = input([m, n]);
          const what = `${m}x${k}x${n} tA=${ta} tB=${tb}`;
          await compare(what, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          await compare(`${what} grads`, [a, b, dy], (x, y, g) =>
            tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb))([x, y], g),
          );
        }
      }
    });

    test('batched: folded, spread, per entry, small and rank 4, all transpose combinations', async () => {
      const cases: [number[], number[]][] = [
        [[4], []], // [4, m, k] x [k, n]
        [[4], [1]], // [4, m, k] x [1, k, n]
        [[], [4]], // [m, k] x [4, k, n]
        [[1], [4]],
        [[4], [4]],
        [[2, 3], [2, 3]],
      ];
      for (const [m, k, n] of [[3, 5, 7], [40, 30, 35]]) {
        for (const [ba, bb] of cases) {
          for (const [ta, tb] of combos) {
            const a = input([...ba, ...stored(m, k, ta)]);
            const b = input([...bb, ...stored(k, n, tb)]);
            const what = `[${ba}]x[${bb}] ${m}x${k}x${n} tA=${ta} tB=${tb}`;
            await compare(what, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          }
        }
      }
    });

    test('gradients of batched products', async () => {
      // tfjs-core's BatchMatMul gradient does not reduce over broadcast batches, so both operands
      // carry the batch here.
      for (const [m, k, n] of [[5, 8, 7], [40, 30, 35]]) {
        for (const [ta, tb] of combos) {
          const what = `batched grads ${m}x${k}x${n} tA=${ta} tB=${tb}`;
          await compare(what, [input([3, ...stored(m, k, ta)]), input([3, ...stored(k, n, tb)]), input([3, m, n])], (x, y, g) =>
            tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, ta, tb))([x, y], g),
          );
        }
      }
    });

    test('no tensors or wasm buffers leak', async () => {
      const a = tf.tensor(input([4, 40, 30]).values, [4, 40, 30]);
      const b = tf.tensor(input([4, 35, 30]).values, [4, 35, 30]);
      const c = tf.tensor(input([30, 25]).values, [30, 25]);
      const d = tf.tensor(input([25, 40]).values, [25, 40]);
      const e = tf.tensor(input([6, 35]).values, [6, 35]);
      for (const [x, y, ta, tb] of [[a, b, false, true], [a, c, false, false], [a, d, true, true], [e, b, false, false]] as const) {
        await assertNoLeak(`matMul [${x.shape}] [${y.shape}]`, () => tf.matMul(x, y, ta, tb).dispose());
      }
      await assertNoLeak('matMul grads', () => {
        tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true).sum())([a, b]));
      });
      tf.dispose([a, b, c, d, e]);
    });
  });

  routeSuite(route, 'fused matMul', () => {
    const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const;

    test('bias and every activation, transposed and batched operands', async () => {
      const layouts: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
        { a: [6, 9], b: [9, 5], ta: false, tb: false },
        { a: [9, 6], b: [5, 9], ta: true, tb: true },
        { a: [6, 9], b: [5, 9], ta: false, tb: true },
        { a: [3, 6, 9], b: [1, 9, 5], ta: false, tb: false },
        { a: [3, 9, 6], b: [1, 9, 5], ta: true, tb: false },
        { a: [1, 6, 9], b: [3, 9, 5], ta: false, tb: false },
        { a: [3, 6, 30], b: [3, 25, 30], ta: false, tb: true },
        { a: [3, 40, 30], b: [3, 35, 30], ta: false, tb: true },
      ];
      for (const l of layouts) {
        const n = l.tb ? l.b[l.b.length - 2] : l.b[l.b.length - 1];
        for (const activation of activations) {
          const what = `fused [${l.a}] [${l.b}] tA=${l.ta} tB=${l.tb} ${activation}`;
          await compare(what, [input(l.a), input(l.b), input([n])], (a, b, bias) =>
            tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, bias, activation, leakyreluAlpha: 0.3 }),
          );
        }
        await compare(`fused [${l.a}] [${l.b}] no bias relu`, [input(l.a), input(l.b)], (a, b) =>
          tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, activation: 'relu' }),
        );
        await compare(`fused [${l.a}] [${l.b}] prelu`, [input(l.a), input(l.b), input([n]), input([n])], (a, b, bias, alpha) =>
          tf.fused.matMul({ a, b, transposeA: l.ta, transposeB: l.tb, bias, activation: 'prelu', preluActivationWeights: alpha }),
        );
      }
    });

    test('a [1, n] bias (stock wasm rejects any bias of rank > 1)', async () => {
      await compare('fused rank-2 bias', [input([6, 9]), input([5, 9]), input([1, 5])], (a, b, bias) =>
        tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }),
      );
    });

    test('gradients through a fused dense layer', async () => {
      await compare('fused grads', [input([6, 9]), input([5, 9]), input([5]), input([6, 5])], (a, b, bias, dy) =>
        tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.fused.matMul({ a: p, b: q, bias: r, transposeB: true }))([a, b, bias], dy),
      );
    });

    test('no leaks', async () => {
      const a = tf.tensor(input([3, 6, 9]).values, [3, 6, 9]);
      const b = tf.tensor(input([9, 5]).values, [9, 5]);
      const bias = tf.tensor(input([5]).values, [5]);
      await assertNoLeak('fused fold', () => tf.fused.matMul({ a, b, bias, activation: 'relu' }).dispose());
      const at = tf.tensor(input([3, 9, 6]).values, [3, 9, 6]);
      const bias2 = tf.tensor(input([1, 5]).values, [1, 5]);
      await assertNoLeak('fused rank-2 bias', () => tf.fused.matMul({ a, b, bias: bias2, activation: 'relu' }).dispose());
      await assertNoLeak('fused general', () => tf.fused.matMul({ a: at, b, bias, transposeA: true, activation: 'elu' }).dispose());
      tf.dispose([a, at, b, bias, bias2]);
    });
  });

  routeSuite(route, 'conv2d backprop', () => {
    type Pad = 'same' | 'valid' | number;
    interface ConvCase {
      x: number[];
      f: number[];
      stride: number;
      pad: Pad;
    }
    const cases: ConvCase[] = [];
    for (const [x, f] of [
      [[2, 7, 9, 3], [3, 3, 3, 8]],
      [[1, 8, 8, 1], [3, 3, 1, 1]],
      [[3, 7, 9, 8], [2, 2, 8, 3]],
      [[2, 6, 5, 8], [1, 1, 8, 1]],
      [[2, 9, 7, 3], [5, 3, 3, 2]],
    ]) {
      for (const stride of [1, 2]) for (const pad of ['same', 'valid'] as const) cases.push({ x, f, stride, pad });
    }
    // Numeric padding and stride 3 exercise crops of dy and residues without filter taps.
    cases.push({ x: [2, 9, 7, 3], f: [3, 3, 3, 4], stride: 2, pad: 2 });
    cases.push({ x: [2, 10, 11, 3], f: [2, 3, 3, 4], stride: 3, pad: 'valid' });
    cases.push({ x: [2, 10, 11, 3], f: [4, 4, 3, 4], stride: 3, pad: 'same' });

    const outShape = (c: ConvCase): number[] => {
      const info = tf.backend_util.computeConv2DInfo(c.x as [number, number, number, number], c.f as [number, number, number, number], c.stride, 1, c.pad);
      return info.outShape;
    };

    // Both routes on every case: patch matrices (im2col.ts; for few input channels) and the convolution rewrites.
    // (The wasm routes only matter without native kernels, which replace both.)
    for (const convRoute of route === 'wasm' ? (['im2col', 'convolution rewrites'] as const) : (['native im2col + GEMM'] as const)) {
      const withRoute = async (body: () => Promise<void>) => {
        patchLimit.floats = convRoute === 'im2col' ? MAX_PATCH_FLOATS : 0;
        patchLimit.channels = convRoute === 'im2col' ? Infinity : PATCH_MAX_CHANNELS;
        try {
          await body();
        } finally {
          patchLimit.floats = MAX_PATCH_FLOATS;
          patchLimit.channels = PATCH_MAX_CHANNELS;
        }
      };

      test(`${convRoute}: dx and dW match cpu for strides 1-3, same/valid/numeric padding, odd sizes, 1/3/8 channels`, () =>
        withRoute(async () => {
          for (const c of cases) {
            const what = `${convRoute} conv x[${c.x}] f[${c.f}] stride ${c.stride} pad ${c.pad}`;
            // dy is given, so the gradients do not depend on the (stock) forward convolution.
            await compare(what, [input(c.x), input(c.f, 0.3), input(outShape(c))], (x, f, dy) =>
              tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, c.stride, c.pad))([x, f], dy),
            );
          }
        }));

      test(`${convRoute}: conv2dTranspose (Conv2DBackpropInput) directly`, () =>
        withRoute(async () => {
          for (const c of cases.filter((k) => typeof k.pad === 'string')) {
            await compare(`${convRoute} conv2dTranspose x[${c.x}] f[${c.f}] s${c.stride} ${c.pad}`, [input(outShape(c)), input(c.f)], (dy, f) =>
              tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, c.x as [number, number, number, number], c.stride, c.pad as 'same' | 'valid'),
            );
          }
        }));
    }

    test('forward conv2d and fused conv2d (bias, activations), strides, padding, dilations', async () => {
      for (const c of cases.filter((k) => k.stride !== 3)) {
        const co = c.f[3];
        await compare(`conv2d x[${c.x}] f[${c.f}] s${c.stride} ${c.pad}`, [input(c.x), input(c.f, 0.3)], (x, f) =>
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
        );
        for (const activation of ['linear', 'relu', 'elu'] as const) {
          await compare(`fused conv2d x[${c.x}] f[${c.f}] s${c.stride} ${c.pad} ${activation}`, [input(c.x), input(c.f, 0.3), input([co])], (x, f, bias) =>
            tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: c.stride, pad: c.pad, bias, activation }),
          );
        }
      }
      await compare('dilated conv2d', [input([2, 11, 10, 3]), input([3, 3, 3, 5], 0.3)], (x, f) =>
        tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same', 'NHWC', 2),
      );
      // More output channels than one GEMM column panel (16 or 32 wide), with a partial last panel.
      await compare('conv2d with 40 output channels', [input([2, 7, 9, 5]), input([3, 3, 5, 40], 0.3), input([40])], (x, f, bias) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: 'same', bias, activation: 'relu' }),
      );
    });

    if (route === 'native') {
      test('an input larger than one patch-matrix chunk (the native kernels convolve it in pieces)', async () => {
        // 48·48·(3·3·64) floats of patches per image: the 4 M-float chunk holds 3 images, so 4 images take two chunks.
        const c = { x: [4, 48, 48, 64], f: [3, 3, 64, 4], stride: 1, pad: 'same' as const };
        await compare('chunked conv2d forward and gradients', [input(c.x), input(c.f, 0.1), input([4, 48, 48, 4])], (x, f, dy) => [
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
          ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'))([x, f], dy),
        ]);
      });
    }

    test('patch matrices are used for image layers (few channels) up to their size limit only', () => {
      const g = { n: 256, h: 28, w: 28, ci: 1, oh: 14, ow: 14, co: 32, kh: 3, kw: 3, sh: 2, sw: 2, top: 0, left: 0 };
      assert.equal(usePatchRoute(g), true);
      assert.equal(usePatchRoute({ ...g, ci: 3 }), true);
      assert.equal(usePatchRoute({ ...g, h: 14, w: 14, oh: 7, ow: 7, ci: 32 }), false);
      // An RGB stem at 224×224 and batch 1024: 27 × 51 M floats, far too many.
      assert.equal(usePatchRoute({ ...g, n: 1024, h: 224, w: 224, oh: 224, ow: 224, ci: 3, sh: 1, sw: 1 }), false);
    });

    test('NCHW filter gradient fails with a clear message', async () => {
      await tf.setBackend('wasm');
      const x = tf.ones([1, 2, 5, 5]);
      const dy = tf.ones([1, 3, 4, 4]);
      assert.throws(
        () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [2, 2, 2, 3] }),
        /Conv2DBackpropFilter on wasm does not support dataFormat 'NCHW'/,
      );
      tf.dispose([x, dy]);
    });

    test('no leaks', async () => {
      const x = tf.tensor(input([2, 9, 7, 3]).values, [2, 9, 7, 3]) as tf.Tensor4D;
      const f = tf.tensor(input([3, 3, 3, 4]).values, [3, 3, 3, 4]) as tf.Tensor4D;
      for (const stride of [1, 2]) {
        await assertNoLeak(`conv grads stride ${stride}`, () => {
          tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, stride, 'same').sum())([x, f]));
        });
      }
      tf.dispose([x, f]);
    });
  });
}

for (const route of ['wasm', 'native'] as const) {
  routeSuite(route, 'sum over leading axes', () => {
    test('leadingReduction accepts exactly the leading axes, in any order or sign, and not all of them', () => {
      assert.deepEqual(leadingReduction([4, 5, 6, 7], [0, 1, 2]), { outer: 120, inner: 7, outShape: [7] });
      assert.deepEqual(leadingReduction([4, 5, 6, 7], [1, 0]), { outer: 20, inner: 42, outShape: [6, 7] });
      assert.deepEqual(leadingReduction([4, 5], -2), { outer: 4, inner: 5, outShape: [5] });
      assert.equal(leadingReduction([4, 5, 6], [0, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], [1, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], [0, 1, 2]), null);
      assert.equal(leadingReduction([4, 5, 6], []), null);
    });

    test('columnSums: every row counted once, for row counts around the 8-row blocks', () => {
      for (const outer of [0, 1, 7, 8, 9, 16, 17, 23]) {
        const inner = 3;
        const src = Float32Array.from({ length: outer * inner }, (_, k) => (k % inner) + 10 * Math.floor(k / inner));
        const expected = Array.from({ length: inner }, (_, i) => outer * i + 10 * ((outer * (outer - 1)) / 2));
        assert.deepEqual(Array.from(columnSums(src, outer, inner)), expected, `outer ${outer}`);
      }
    });

    test('values match cpu: leading axes with and without keepDims, and the stock cases', async () => {
      const cases: [number[], number | number[], boolean][] = [
        [[37, 5], 0, false],
        [[3, 9, 7, 6], [0, 1, 2], false],
        [[3, 9, 7, 6], [0, 1, 2], true],
        [[3, 9, 7, 6], [1, 0], true],
        [[3, 9, 7, 6], [0, 2], false], // not leading: stock kernel
        [[3, 9, 7, 6], -1, false], // innermost: stock kernel
        [[3, 9, 7, 6], [0, 1, 2, 3], false], // everything: stock kernel
      ];
      for (const [shape, axis, keepDims] of cases) {
        await compare(`sum [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`, [input(shape, 3)], (x) => tf.sum(x, axis, keepDims));
      }
      await tf.setBackend('wasm');
      const ints = tf.tensor([[1, 2], [3, 4], [5, 6]], undefined, 'int32');
      const s = tf.sum(ints, 0);
      assert.equal(s.dtype, 'int32');
      assert.deepEqual(Array.from(s.dataSync()), [9, 12]);
      tf.dispose([ints, s]);
    });

    test('sums of many values are accumulated accurately (float64 inside)', async () => {
      await tf.setBackend('wasm');
      // 2^24 + 1 ones: a float32 running sum stops at 2^24; the exact answer rounds to 16777216 or 16777218.
      const n = 2 ** 24 + 2;
      const x = tf.ones([n, 1]);
      const s = tf.sum(x, 0);
      assert.equal(s.dataSync()[0], n);
      tf.dispose([x, s]);
    });

    test('no leaks', async () => {
      const x = tf.tensor(input([6, 5, 4, 3]).values, [6, 5, 4, 3]);
      await assertNoLeak('leading sum', () => tf.dispose([tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1], true)]));
      x.dispose();
    });
  });
}

/** The normalised output; the batch statistics (kept tensors) are disposed. */
function normalised(r: ReturnType<typeof batchNormTraining>): tf.Tensor {
  tf.dispose([r.mean, r.variance]);
  return r.y;
}

routeSuite('native', 'batch norm (training mode)', () => {
  test('the kernels are registered on wasm only, and the forward pass, statistics and gradients match cpu', async () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAINING, 'wasm'), 'native batch norm registered for wasm');
    assert.equal(tf.getKernel(BATCH_NORM_TRAINING, 'cpu'), undefined, 'cpu keeps the tensor-op formulation');
    // Channel counts around the vector widths; an offset, large-scale input checks the variance pass.
    for (const shape of [[6, 5, 4, 3], [64, 33], [2, 3, 3, 48], [300, 16]]) {
      const c = shape[shape.length - 1];
      const x = input(shape, 3);
      x.values.forEach((v, i) => (x.values[i] = v + 4 * ((i % c) - 1)));
      await compare(`batch norm [${shape}]`, [x, input([c]), input([c]), input(shape)], (xs, g, b, dy) => {
        const { y, mean, variance } = batchNormTraining(xs, g, b, 1e-5);
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => normalised(batchNormTraining(p, q, r, 1e-5)))([xs, g, b], dy);
        return [y, mean, variance, ...grads];
      });
    }
  });

  test('leaks no tensors, and a non-float32 input is refused with the reason', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(input([8, 4]).values, [8, 4]);
    const g = tf.ones([4]);
    const b = tf.zeros([4]);
    await assertNoLeak('batch norm step', () => {
      const { y, mean, variance } = batchNormTraining(x, g, b, 1e-3);
      tf.dispose(tf.grads((p: tf.Tensor) => normalised(batchNormTraining(p, g, b, 1e-3)))([x]));
      tf.dispose([y, mean, variance]);
    });
    const xi = tf.tensor([[1, 2, 3, 4]], [1, 4], 'int32');
    assert.throws(() => tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xi, gamma: g, beta: b }, { epsilon: 1e-3 }), /needs float32 x/);
    tf.dispose([x, g, b, xi]);
  });
});

routeSuite('native', 'relu and its gradient', () => {
  test('values and gradients match cpu, zeros, negatives and NaN included', async () => {
    assert.ok(tf.getKernel(RELU_GRAD, 'wasm'), 'native relu gradient registered for wasm');
    for (const shape of [[7], [3, 5, 4, 9], [300, 257]]) {
      const x = input(shape);
      x.values[0] = 0;
      x.values[1 % x.values.length] = NaN;
      x.values[2 % x.values.length] = -0;
      await compareWithNaN(`relu [${shape}]`, [x, input(shape)], (xs, dy) => [tf.relu(xs), tf.grad((p: tf.Tensor) => tf.relu(p))(xs, dy)]);
    }
    // Through the layer, as the encoders use it.
    await compare('relu layer gradient', [input([4, 6, 6, 8]), input([4, 6, 6, 8])], (xs, dy) =>
      tf.grad((p: tf.Tensor) => tf.layers.reLU().apply(p) as tf.Tensor)(xs, dy),
    );
  });

  test('int32 relu keeps the stock kernel; uninstalling restores the stock Relu, Sum and Mean gradients', async () => {
    await tf.setBackend('wasm');
    const xi = tf.tensor1d([-2, 3], 'int32');
    assert.deepEqual(Array.from(tf.relu(xi).dataSync()), [0, 3]);
    xi.dispose();
    const routed = [tf.Relu, tf.Sum, tf.Mean];
    const patched = routed.map((k) => tf.getGradient(k)!.gradFunc);
    uninstallFastWasm();
    const stock = routed.map((k) => tf.getGradient(k)!.gradFunc);
    routed.forEach((k, i) => assert.notEqual(stock[i], patched[i], `the stock ${k} gradient is back`));
    useRoute('native');
    routed.forEach((k, i) => assert.notEqual(tf.getGradient(k)!.gradFunc, stock[i], `${k} gradient routed again`));
    await assertNoLeak('relu gradient', () => {
      const x = tf.tensor1d([-1, 2, 0, 5]);
      tf.dispose([x, tf.grad((p: tf.Tensor) => tf.relu(p))(x)]);
    });
  });
});

routeSuite('native', 'sum and mean over a run of axes; exp', () => {
  test('contiguousReduction: leading, middle and trailing runs, keepDims, and what it refuses', () => {
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [1, 2], false), { outer: 4, middle: 30, inner: 7, outShape: [4, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [2, 1], true), { outer: 4, middle: 30, inner: 7, outShape: [4, 1, 1, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], [0], false), { outer: 1, middle: 4, inner: 210, outShape: [5, 6, 7] });
    assert.deepEqual(contiguousReduction([4, 5, 6, 7], -1, false), { outer: 120, middle: 7, inner: 1, outShape: [4, 5, 6] });
    assert.deepEqual(contiguousReduction([4, 5], [0, 1], false), { outer: 1, middle: 20, inner: 1, outShape: [] });
    assert.equal(contiguousReduction([4, 5, 6], [0, 2], false), null);
    assert.equal(contiguousReduction([4, 5, 6], [], false), null);
    assert.equal(contiguousReduction([4, 5, 6], [3], false), null);
  });

  test('values match cpu, global average pooling and its gradient included', async () => {
    const cases: [number[], number | number[], boolean][] = [
      [[64, 4, 4, 128], [1, 2], false], // global average pooling, images shared out among the threads
      [[3, 4, 4, 128], [1, 2], false], // few images: each one's rows summed by all threads
      [[3, 9, 7, 6], [1, 2], true],
      [[3, 9, 7, 6], [0, 1], false],
      [[3, 9, 7, 6], [2, 3], false],
      [[3, 9, 7, 6], 3, true],
      [[300, 250], [0, 1], false],
      [[3, 9, 7, 6], [0, 2], false], // scattered: stock kernel
    ];
    for (const [shape, axis, keepDims] of cases) {
      const what = `[${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      await compare(`sum ${what}`, [input(shape, 3)], (x) => tf.sum(x, axis, keepDims));
      await compare(`mean ${what}`, [input(shape, 3)], (x) => tf.mean(x, axis, keepDims));
    }
    await compare('global average pooling layer and gradient', [input([8, 4, 4, 16]), input([8, 16])], (x, dy) => {
      const gap = tf.layers.globalAveragePooling2d({});
      return [gap.apply(x) as tf.Tensor, tf.grad((p: tf.Tensor) => gap.apply(p) as tf.Tensor)(x, dy)];
    });
    // Gradients spread back natively over contiguous axes, by the stock gradient otherwise.
    for (const [shape, axis, keepDims] of [
      [[64, 4, 4, 32], [1, 2], false],
      [[5, 6, 7], [0], true],
      [[5, 6, 7], -1, false],
      [[5, 6, 7], [0, 2], false],
    ] as [number[], number | number[], boolean][]) {
      const outShape = tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims).shape);
      for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean]] as const) {
        await compare(`${name} gradient [${shape}] axis ${JSON.stringify(axis)}`, [input(shape), input(outShape)], (x, dy) =>
          tf.grad((p: tf.Tensor) => op(p, axis, keepDims))(x, dy),
        );
      }
    }
  });

  test('exp matches cpu over the range a loss uses, and int32 keeps the stock kernel', async () => {
    const x = input([512, 300], 4);
    x.values[0] = -200;
    x.values[1] = 80;
    await compare('exp', [x], (t) => tf.exp(t));
    await tf.setBackend('wasm');
    const ints = tf.tensor1d([0, 1], 'int32');
    const e = tf.exp(ints);
    assert.equal(e.dtype, 'float32');
    assertAllClose(e.dataSync(), [1, Math.E], 1e-6, 0, 'int32 exp');
    tf.dispose([ints, e]);
  });
});

routeSuite('native', 'image resampling (the augmentations)', () => {
  test('cropAndResize: bilinear and nearest, mirrored boxes, boxes past the edge, several channels, repeated images', async () => {
    const boxes = Float32Array.from([0.1, 0.2, 0.8, 0.9, 0, 0.9, 1, 0.1, -0.2, -0.1, 0.5, 1.3, 0.3, 0.3, 0.3, 0.3]);
    for (const method of ['bilinear', 'nearest'] as const) {
      for (const [c, size] of [[1, [7, 9]], [3, [5, 4]], [2, [1, 1]]] as const) {
        await compare(`cropAndResize ${method} c=${c} size ${size}`, [input([2, 11, 13, c]), { shape: [4, 4], values: boxes }], (img, b) =>
          tf.image.cropAndResize(img as tf.Tensor4D, b as tf.Tensor2D, tf.tensor1d([1, 0, 1, 0], 'int32'), size as unknown as [number, number], method, 0.25),
        );
      }
    }
  });

  test('transform: bilinear and nearest, constant and nearest fill, one map for all images or one each', async () => {
    const maps = (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const a = 0.2 * (i + 1);
        out.push(Math.cos(a), -Math.sin(a), 1.5 - i, Math.sin(a), Math.cos(a), -0.7 + i, i === 2 ? 0.01 : 0, 0);
      }
      return { shape: [n, 8], values: Float32Array.from(out) };
    };
    // tfjs-backend-cpu 4.22 transforms only the first image of a batch (see augment.ts), so the cpu reference
    // transforms one image at a time.
    const warp = (img: tf.Tensor, t: tf.Tensor, interp: 'bilinear' | 'nearest', fill: 'constant' | 'nearest', out?: [number, number]) => {
      const n = img.shape[0];
      if (tf.getBackend() !== 'cpu' || n === 1) return tf.image.transform(img as tf.Tensor4D, t as tf.Tensor2D, interp, fill, 0.5, out);
      const images = tf.split(img, n, 0) as tf.Tensor4D[];
      const ts = t.shape[0] === 1 ? images.map(() => t) : tf.split(t, n, 0);
      return tf.concat(images.map((im, i) => tf.image.transform(im, ts[i] as tf.Tensor2D, interp, fill, 0.5, out)), 0);
    };
    for (const interp of ['bilinear', 'nearest'] as const) {
      for (const fill of ['constant', 'nearest'] as const) {
        await compare(`transform ${interp} ${fill} per image`, [input([3, 9, 8, 2]), maps(3)], (img, t) => warp(img, t, interp, fill));
        await compare(`transform ${interp} ${fill} shared map, other output size`, [input([3, 9, 8, 1]), maps(1)], (img, t) =>
          warp(img, t, interp, fill, [6, 10]),
        );
      }
    }
  });

  test('reflect and wrap fill modes keep the stock kernel', async () => {
    await tf.setBackend('wasm');
    const img = tf.tensor(input([1, 5, 5, 1]).values, [1, 5, 5, 1]) as tf.Tensor4D;
    const t = tf.tensor2d([1, 0, 2, 0, 1, 2, 0, 0], [1, 8]);
    const fast = Array.from(tf.image.transform(img, t, 'bilinear', 'reflect').dataSync());
    await tf.setBackend('cpu');
    const ref = Array.from(tf.image.transform(tf.tensor(img.dataSync(), img.shape) as tf.Tensor4D, tf.tensor2d(t.dataSync(), [1, 8]), 'bilinear', 'reflect').dataSync());
    await tf.setBackend('wasm');
    assertAllClose(fast, ref, RTOL, RTOL, 'reflect');
    tf.dispose([img, t]);
  });
});

describe('identity without a copy', () => {
  test('a clone shares the buffer, and either side can be disposed first', async () => {
    await tf.setBackend('wasm');
    const ids = backendDataIds();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    assert.equal(backendDataIds(), ids + 1, 'one buffer for both');
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
    const c = tf.clone(b);
    c.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
    b.dispose();
    assert.equal(backendDataIds(), ids, 'the buffer is freed with the last tensor');
    const str = tf.tensor(['x', 'y']);
    const s = tf.clone(str);
    assert.deepEqual(s.arraySync(), ['x', 'y'], 'strings keep the stock kernel');
    tf.dispose([str, s]);
  });

  test('values and gradients through identities match cpu', async () => {
    await compare('identity chain', [input([3, 4])], (x) => [tf.clone(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clone(t), t)))(x)]);
  });
});
