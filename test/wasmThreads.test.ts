/**
 * Threaded wasm under Node (src/trainer/fastWasm/threads.ts). The backend starts once per process, so the
 * real start-up runs in a child process: this same file, re-run with DCL_THREADS_CHILD set.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vm from 'node:vm';
import { describe, test } from 'node:test';
import { initBackend } from '../src/trainer/backend';
import { requestedWasmThreads, usableCores, workerSource } from '../src/trainer/fastWasm/threads';
import { seededNormal } from './helpers/tf';

interface ChildReport {
  backend: string;
  threads: number | undefined;
  native?: { isa: string; threads: number };
  details: string[];
  /** Largest relative difference between wasm and cpu over a matmul, a conv and their gradients. */
  maxRelDiff: number;
}

/** Values computed on the active backend: products and gradients big enough to be split across threads. */
function workload(): number[][] {
  return tf.tidy(() => {
    const rnd = seededNormal(5);
    const t = (shape: number[]) => tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, rnd), shape);
    const a = t([96, 200]);
    const b = t([200, 130]);
    const x = t([8, 15, 15, 6]) as tf.Tensor4D;
    const w = t([3, 3, 6, 16]) as tf.Tensor4D;
    const loss = (aa: tf.Tensor, ww: tf.Tensor) =>
      tf.add(tf.sum(tf.square(tf.matMul(aa as tf.Tensor2D, b))), tf.sum(tf.square(tf.conv2d(x, ww as tf.Tensor4D, 2, 'same'))));
    const [da, dw] = tf.grads(loss)([a, w]);
    return [tf.matMul(a, b), tf.conv2d(x, w, 1, 'same'), da, dw].map((r) => Array.from(r.dataSync()));
  });
}

async function child(): Promise<void> {
  const choice = await initBackend('wasm');
  const wasm = workload();
  await tf.setBackend('cpu');
  const cpu = workload();
  let maxRelDiff = 0;
  wasm.forEach((vals, i) => {
    const scale = Math.max(...cpu[i].map(Math.abs));
    vals.forEach((v, j) => (maxRelDiff = Math.max(maxRelDiff, Math.abs(v - cpu[i][j]) / scale)));
  });
  const report: ChildReport = { backend: choice.name, threads: choice.threads, native: choice.native, details: choice.details, maxRelDiff };
  process.stdout.write(JSON.stringify(report) + '\n');
  // No process.exit(): the child must end by itself, which it cannot if the pool's workers hold the loop.
}

/** Runs the workload in a fresh process; the wasm pool itself is tested with the native kernels off. */
function runChild(threads: string, native = false): { status: number | null; report?: ChildReport; stderr: string } {
  const r = spawnSync(process.execPath, [__filename], {
    env: { ...process.env, DCL_THREADS_CHILD: '1', DCL_WASM_THREADS: threads, DCL_NATIVE: native ? '1' : '0' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = r.stdout.trim().split('\n').pop();
  return { status: r.status, report: line ? (JSON.parse(line) as ChildReport) : undefined, stderr: r.stderr };
}

if (process.env.DCL_THREADS_CHILD) {
  void child();
} else {
  describe('wasm threads', () => {
    test('DCL_WASM_THREADS: unset means every core; bad values name the variable and the fix', () => {
      assert.equal(requestedWasmThreads({}, 6), 6);
      assert.equal(requestedWasmThreads({ DCL_WASM_THREADS: ' ' }, 4), 4);
      assert.equal(requestedWasmThreads({ DCL_WASM_THREADS: '3' }, 8), 3);
      assert.equal(requestedWasmThreads({ DCL_WASM_THREADS: '1' }, 8), 1);
      for (const bad of ['0', '-2', '2.5', 'many']) {
        assert.throws(() => requestedWasmThreads({ DCL_WASM_THREADS: bad }, 8), /DCL_WASM_THREADS must be a whole number ≥ 1 \(got ".*"\); unset it/);
      }
    });

    test('usable cores: the affinity mask, and a Slurm allocation where it is smaller', () => {
      const all = usableCores({});
      assert.ok(all >= 1);
      assert.equal(usableCores({ SLURM_CPUS_PER_TASK: '1' }), 1);
      assert.equal(usableCores({ SLURM_CPUS_PER_TASK: String(all + 50) }), all, 'never more than the process may use');
      assert.equal(usableCores({ SLURM_CPUS_PER_TASK: 'x' }), all);
      assert.equal(requestedWasmThreads({ SLURM_CPUS_PER_TASK: '1' }), 1);
    });

    test('a malformed DCL_WASM_THREADS fails the backend choice instead of falling back to cpu', async () => {
      const saved = process.env.DCL_WASM_THREADS;
      process.env.DCL_WASM_THREADS = 'lots';
      try {
        await assert.rejects(initBackend('auto'), /DCL_WASM_THREADS must be a whole number/);
      } finally {
        if (saved === undefined) delete process.env.DCL_WASM_THREADS;
        else process.env.DCL_WASM_THREADS = saved;
      }
    });

    test('the worker script resolves the main-script Blob to the shipped threaded script', () => {
      const src = workerSource('postMessage(URL.createObjectURL(new Blob([])));', '/x/threaded.js');
      const posted: unknown[] = [];
      vm.runInNewContext(src, { URL: { createObjectURL: () => 'blob:nope', revokeObjectURL: () => undefined }, Blob, postMessage: (m: unknown) => posted.push(m) });
      assert.deepEqual(posted, ['/x/threaded.js']);
    });

    test('two threads start under Node, agree with cpu, and let the process exit by itself, leaving no files', () => {
      const leftovers = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('dcl-wasm-threads-')).sort();
      const before = leftovers();
      const r = runChild('2');
      assert.deepEqual(leftovers(), before, 'the worker script folder is removed at exit');
      assert.equal(r.status, 0, `child failed or hung: ${r.stderr}`);
      assert.equal(r.report?.backend, 'wasm');
      assert.equal(r.report?.threads, 2, r.report?.details.join('; '));
      assert.ok(r.report.details.some((d) => d === 'wasm threads 2'), r.report.details.join('; '));
      assert.ok(r.report.maxRelDiff < 1e-5, `max relative difference to cpu ${r.report.maxRelDiff}`);
    });

    test('with native kernels, wasm runs single-threaded and the native pool takes DCL_WASM_THREADS', (t) => {
      const r = runChild('2', true);
      assert.equal(r.status, 0, `child failed or hung: ${r.stderr}`);
      const details = r.report!.details.join('; ');
      if (!r.report?.native && !process.env.CI) {
        t.skip(`no native kernels here: ${r.report?.details.find((d) => d.startsWith('native kernels off'))}`);
        return;
      }
      assert.deepEqual(r.report?.native?.threads, 2, details);
      assert.equal(r.report?.threads, 2, details);
      assert.ok(r.report.details.some((d) => d === 'wasm threads 1 (single-threaded (native kernels do the heavy work))'), details);
      assert.ok(r.report.details.some((d) => /^native GEMM\/conv kernels: \S+, 2 threads \(/.test(d)), details);
      assert.ok(r.report.maxRelDiff < 1e-5, `max relative difference to cpu ${r.report.maxRelDiff}`);
    });

    test('DCL_WASM_THREADS=1 starts the single-threaded binary', () => {
      const r = runChild('1');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.report?.threads, 1);
      assert.ok(r.report.details.some((d) => d.startsWith('wasm threads 1 (single-threaded')), r.report.details.join('; '));
      assert.ok(r.report.maxRelDiff < 1e-5, `max relative difference to cpu ${r.report.maxRelDiff}`);
    });
  });
}
