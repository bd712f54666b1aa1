/**
 * Building and loading the native kernels (src/trainer/native): the compile cache, the reasons given
 * when they cannot be used, and the addon's own argument checks. Their numerics against the cpu
 * backend are in fastWasm.test.ts (the "native:" suites).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { compileNative, cpuIdentity, findCompiler, findNativeSource } from '../src/trainer/native/compileNative';
import { loadNativeKernels } from '../src/trainer/native/loadNative';

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
});
