/**
 * Building and loading the native kernels (src/trainer/native): the compile cache, the reasons given
 * when they cannot be used, and the addon's own argument checks. Their numerics against the cpu
 * backend are in test/fastWasm/ (the "native:" suites, one file per kernel family).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileNative, cpuIdentity, findCompiler, findNativeSource } from '../src/trainer/native/compileNative';
import { loadNativeKernels, loadedNativeKernels } from '../src/trainer/native/loadNative';
import { gaussianNoise, imageNoiseSeeds, perImageNoise } from '../src/trainer/random';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-native-test-'));
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

let compiler: string | undefined;
try {
  compiler = findCompiler().cc;
} catch {
  compiler = undefined;
}
// CI installs a C compiler, so there these tests must run rather than skip.
const skip = compiler || process.env.CI ? false : 'no C compiler on this machine';

describe('building the native kernels', { skip }, () => {
  test('compiles once per source and CPU, then reuses the cached build', () => {
    const first = compileNative({ cacheDir });
    assert.equal(first.compiled, true);
    assert.ok(fs.existsSync(first.file));
    assert.ok(first.flags.includes('-O3'));
    const again = compileNative({ cacheDir });
    assert.equal(again.compiled, false);
    assert.equal(again.file, first.file);
    assert.deepEqual(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.tmp')), [], 'no temporaries left');

    // Another source (an edited kernel) gets its own build rather than the stale one.
    const edited = path.join(cacheDir, 'edited.c');
    fs.writeFileSync(edited, `${fs.readFileSync(findNativeSource(), 'utf8')}\n/* edited */\n`);
    const other = compileNative({ cacheDir, source: edited });
    assert.notEqual(other.file, first.file);
  });

  test('the CPU is part of the cache key (a shared home must not hand one CPU another CPU\'s build)', () => {
    assert.ok(cpuIdentity().length > 3);
  });

  test('a source that does not compile fails with the compiler\'s message', () => {
    const broken = path.join(cacheDir, 'broken.c');
    fs.writeFileSync(broken, 'this is not C;\n');
    assert.throws(() => compileNative({ cacheDir, source: broken }), /could not compile fast_kernels\.c \(.*error/);
  });

  test('no compiler: the error names what was tried and how to install one', () => {
    const env = { ...process.env, CC: '/nonexistent/cc', PATH: '/nonexistent' };
    assert.throws(() => findCompiler(env), /no C compiler found \(tried \/nonexistent\/cc, cc, gcc, clang\); install one \(Debian\/Ubuntu: apt-get install build-essential\)/);
    const r = loadNativeKernels({ threads: 1, env: { ...env, DCL_NATIVE_CACHE: path.join(cacheDir, 'none') } });
    // A process that already loaded the kernels keeps them; otherwise the reason is reported.
    if (!r.report.loaded) assert.match(r.report.reason ?? '', /^native kernels unavailable: no C compiler found/);
  });

  test('DCL_NATIVE=0 turns them off with that reason', () => {
    const r = loadNativeKernels({ threads: 1, env: { DCL_NATIVE: '0' } });
    assert.equal(r.kernels, undefined);
    assert.deepEqual(r.report, { loaded: false, reason: 'native kernels disabled by DCL_NATIVE=0' });
  });

  test('loads, reports its instruction set and threads, and checks its arguments', () => {
    const { kernels, report } = loadNativeKernels({ threads: 2, cacheDir });
    assert.ok(kernels, report.reason);
    assert.equal(report.loaded, true);
    assert.ok(['avx512', 'avx2-fma', 'neon', 'generic'].includes(report.isa ?? ''), report.isa);
    assert.ok(report.threads === 2 || report.threads === 1);
    assert.equal(kernels.setThreads(1), 1);

    const a = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2×3
    const b = Float32Array.from([1, 0, 0, 1, 1, 1]); // 3×2
    const c = new Float32Array(4);
    kernels.gemm(a, b, c, 2, 2, 3, 0, 0, 0, 1, 0, 0, 0);
    assert.deepEqual(Array.from(c), [4, 5, 10, 11]);
    kernels.gemm(a, b, c, 2, 2, 3, 0, 0, 1, 1, 0, 0, 0);
    assert.deepEqual(Array.from(c), [8, 10, 20, 22], 'accumulate adds to c');
    assert.throws(() => kernels.gemm(a, b, new Float32Array(3), 2, 2, 3, 0, 0, 0, 1, 0, 0, 0), /operands are smaller than the shapes given/);
    assert.throws(() => kernels.gemm(a, b, c, 2, 2, 3, 0, 0, 0, 2, 6, 6, 4), /operands are smaller than the shapes given/);
    assert.throws(() => kernels.gemm(a, b, new Float64Array(4) as unknown as Float32Array, 2, 2, 3, 0, 0, 0, 1, 0, 0, 0), /expected a Float32Array/);
    assert.throws(() => kernels.conv(0, a, b, c, new Float64Array(3)), /dims must be a Float64Array of 15 numbers/);
    // 1 image 2×2×1, 1×1 filter to 1 channel: the output needs 4 floats, given 3.
    const dims = Float64Array.from([1, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 0, 0, 1, 1]);
    assert.throws(() => kernels.conv(0, new Float32Array(4), new Float32Array(1), new Float32Array(3), dims), /do not match the dimensions given/);
    const y = new Float32Array(4);
    kernels.conv(0, Float32Array.from([1, 2, 3, 4]), Float32Array.from([0.5]), y, dims);
    assert.deepEqual(Array.from(y), [0.5, 1, 1.5, 2]);
    kernels.setThreads(2);
  });
  test('every way the GEMM shares work between threads gives the product (tall, long-and-small, wide, small)', () => {
    const { kernels, report } = loadNativeKernels({ threads: 2, cacheDir });
    assert.ok(kernels, report.reason);
    kernels.setThreads(2);
    let seed = 7;
    const rand = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
    // [M, N, K]: rows split (M ≥ 1024 per thread), K split (K ≥ 4·256 per thread), columns split (N ≥ 4·NR per
    // thread, a partial last panel; and a kNN-like N of 40 000), rows again, shared tiles (small every way).
    const shapes: [number, number, number][] = [
      [2100, 37, 45],
      [30, 20, 2300],
      [40, 1000, 70],
      [6, 40000, 16],
      [300, 70, 300],
      [100, 60, 200],
    ];
    for (const [m, n, k] of shapes) {
      for (const [ta, tb, acc] of [
        [0, 0, 0],
        [1, 0, 1],
        [0, 1, 0],
        [1, 1, 1],
      ]) {
        const a = rand(m * k);
        const b = rand(k * n);
        const c0 = rand(m * n);
        const c = Float32Array.from(c0);
        kernels.gemm(a, b, c, m, n, k, ta, tb, acc, 1, 0, 0, 0);
        let worst = 0;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let want = acc ? c0[i * n + j] : 0;
            for (let p = 0; p < k; p++) want += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
            worst = Math.max(worst, Math.abs(c[i * n + j] - want) / (1 + Math.abs(want)));
          }
        assert.ok(worst < 1e-4, `[${m}×${k}]·[${k}×${n}] transA ${ta} transB ${tb} accumulate ${acc}: relative error ${worst}`);
      }
    }
  });
  test('imageNoise draws exactly random.ts\'s numbers, image by image (the views must not depend on the native kernels)', () => {
    const { kernels, report } = loadNativeKernels({ threads: 2, cacheDir });
    assert.ok(kernels, report.reason);
    assert.equal(loadedNativeKernels(), kernels, 'augment.ts finds the loaded kernels');
    // Seeds as imageNoiseSeeds draws them, plus the edges of `seed >>> 0`: negative, past 2^32, fractional.
    const seeds = Float64Array.from([0, 1, 2 ** 31 - 1, 123456789, -5, 2 ** 32 + 7, 42.9, 4294967295]);
    for (const [size, std] of [[784, 0.05], [7, 1.5], [1, 0.2], [3072, 0.1]]) {
      const got = new Float32Array(size * seeds.length);
      kernels.imageNoise(got, size, std, seeds);
      seeds.forEach((seed, i) => {
        const want = gaussianNoise(size, std, seed);
        const first = want.findIndex((v, j) => v !== got[i * size + j]);
        assert.equal(first, -1, `image ${i} (seed ${seed}), size ${size}: first difference at ${first}`);
      });
    }
    // A batch as augment.ts draws it.
    const batch = new Float32Array(256 * 784);
    kernels.imageNoise(batch, 784, 0.05, imageNoiseSeeds(256, 99));
    assert.deepEqual(batch, perImageNoise(256, 784, 0.05, 99));
    assert.throws(() => kernels.imageNoise(new Float32Array(5), 2, 1, Float64Array.from([1, 2])), /out.length = size × seeds.length/);
    assert.throws(() => kernels.imageNoise(new Float32Array(4), 2, 1, Int32Array.from([1, 2]) as unknown as Float64Array), /seeds must be a Float64Array/);
  });

  test('batch norm checks that its operands fit together', () => {
    const { kernels } = loadNativeKernels({ threads: 2, cacheDir });
    assert.ok(kernels);
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => kernels.batchNormForward(f(12), f(4), f(4), f(12), f(4), f(3), 1e-5), /batchNormForward operands do not match/);
    assert.throws(() => kernels.batchNormForward(f(10), f(4), f(4), f(10), f(4), f(4), 1e-5), /batchNormForward operands do not match/);
    assert.throws(() => kernels.batchNormBackward(f(12), f(12), f(4), f(4), f(4), f(8), f(4), f(4), 1e-5), /batchNormBackward operands do not match/);
    // One channel, rows 1..4: mean 2.5, variance 1.25; y = (x − μ)/√(σ² + ε)·2 + 1.
    const y = f(4);
    const mean = f(1);
    const variance = f(1);
    kernels.batchNormForward(Float32Array.from([1, 2, 3, 4]), Float32Array.from([2]), Float32Array.from([1]), y, mean, variance, 0);
    assert.deepEqual([mean[0], variance[0]], [2.5, 1.25]);
    const r = 1 / Math.sqrt(1.25);
    Array.from(y).forEach((v, i) => assert.ok(Math.abs(v - ((i + 1 - 2.5) * r * 2 + 1)) < 1e-6, `y[${i}] = ${v}`));
  });
});
