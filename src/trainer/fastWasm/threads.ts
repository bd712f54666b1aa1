/**
 * Threaded wasm under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD binary but never uses it under Node. Four things stand in the way,
 * and `startThreadedWasm` works around each one only for the duration of the backend's start-up:
 *  1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE (tfjs issue #3830). The flag can be
 *     overridden before the backend is created, which is why this runs before tf.setBackend('wasm').
 *  2. Emscripten's pthread worker script is handed over as a Blob URL, which Node's Worker cannot load, and
 *     each worker then receives the main script as a Blob it cannot import either. We write the worker script to
 *     a temporary file, prefixed so that inside the worker the Blob resolves to the shipped
 *     wasm-out/tfjs-backend-wasm-threaded-simd.js, and make URL.createObjectURL return that file's path.
 *  3. init_with_threads_count caps the XNNPACK pool at emscripten_num_logical_cores() / 2, which Emscripten
 *     reads from os.cpus(): on a 2-core machine the pool would have one thread whatever is asked. os.cpus()
 *     reports 2 × the requested count while the backend starts.
 *  4. pthreadpool's workers keep running (and ref'd), which would keep Node alive after the work ends, so they
 *     are unref'd once the pool exists.
 * All patches are undone before this returns, whether the start-up succeeded or not.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

const nodeRequire: NodeRequire = createRequire(__filename);
// The real module object: Emscripten calls require("os").cpus() on it, so patch that object, not a copy.
const osModule = nodeRequire('os') as typeof import('os');

export const THREADED_SCRIPT = 'tfjs-backend-wasm-threaded-simd.js';
export const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';

/**
 * Cores this process may use: the CPU affinity mask (taskset, cgroup cpusets) rather than every core of the
 * machine, and a Slurm job's allocation (SLURM_CPUS_PER_TASK) where that is smaller.
 */
export function usableCores(env: Record<string, string | undefined> = process.env): number {
  const affinity = typeof osModule.availableParallelism === 'function' ? osModule.availableParallelism() : osModule.cpus().length;
  const slurm = Number(env.SLURM_CPUS_PER_TASK);
  return Math.max(1, Number.isInteger(slurm) && slurm > 0 ? Math.min(slurm, affinity) : affinity);
}

/** Threads to use: DCL_WASM_THREADS when set (1 = single-threaded), else every usable core. */
export function requestedWasmThreads(env: Record<string, string | undefined> = process.env, cores = usableCores(env)): number {
  const raw = env.DCL_WASM_THREADS;
  if (raw === undefined || raw.trim() === '') return Math.max(1, cores);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`DCL_WASM_THREADS must be a whole number ≥ 1 (got "${raw}"); unset it to use every core (${cores})`);
  }
  return n;
}

/** The worker script as Emscripten would run it, with the main script's Blob redirected to `scriptPath`. */
export function workerSource(originalWorker: string, scriptPath: string): string {
  const target = JSON.stringify(scriptPath);
  return `URL.createObjectURL = function () { return ${target}; }; URL.revokeObjectURL = function () {};\n${originalWorker}`;
}

interface PThreadModule {
  PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] };
}

export interface ThreadedStart {
  /** Threads in the XNNPACK pool after start-up. */
  threads: number;
}

/**
 * Starts the wasm backend with a pool of `threads` threads. `wasmOutDir` holds the package's wasm-out files;
 * `activate` is what makes wasm the active backend (tf.setBackend + tf.ready).
 */
export async function startThreadedWasm(
  wasm: { setThreadsCount: (n: number) => void },
  wasmOutDir: string,
  threads: number,
  activate: () => Promise<void>,
): Promise<ThreadedStart> {
  const scriptPath = path.join(wasmOutDir, THREADED_SCRIPT);
  // The shipped worker file is a CommonJS module exporting the script as a string (meant for a Blob), whose
  // string literals hold raw newlines; tfjs escapes them the same way before making its Blob.
  const exported = (nodeRequire(path.join(wasmOutDir, THREADED_WORKER)) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof exported !== 'string') throw new Error(`${THREADED_WORKER} does not export wasmWorkerContents`);
  const original = exported.replace(/\n/g, '\\n');
  const dir = fs.mkdtempSync(path.join(osModule.tmpdir(), 'dcl-wasm-threads-'));
  const workerPath = path.join(dir, THREADED_WORKER);
  fs.writeFileSync(workerPath, workerSource(original, scriptPath));
  // Emscripten starts a worker from this file whenever its pool grows, so it stays until the process ends.
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

  // Saved to be put back as it was: a static function that never reads `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const savedCreate = URL.createObjectURL;
  const savedCpus = osModule.cpus;
  const realCpus = savedCpus.call(osModule);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  URL.createObjectURL = () => workerPath;
  osModule.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus[i % realCpus.length]);
  try {
    await activate();
  } finally {
    URL.createObjectURL = savedCreate;
    osModule.cpus = savedCpus;
  }
  const module = (tf.backend() as unknown as { wasm?: PThreadModule & { tfjs?: { getThreadsCount?: () => number } } }).wasm;
  for (const w of [...(module?.PThread?.runningWorkers ?? []), ...(module?.PThread?.unusedWorkers ?? [])]) w.unref?.();
  return { threads: module?.tfjs?.getThreadsCount?.() ?? 1 };
}
