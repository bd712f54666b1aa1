/**
 * Chooses and initialises the TensorFlow.js backend for the trainer.
 *
 * `auto` tries tfjs-node-gpu → tfjs-node → webgpu (Dawn, hardware adapters only) → native (the compiled CPU kernels) → wasm → cpu. The native packages are optionalDependencies whose
 * install downloads libtensorflow, so they are often absent; every failed attempt is recorded with the
 * loader's real message so the run shows why it ended up where it did.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { BACKEND_PREFERENCES, type BackendInfo, type BackendPreference } from '../shared/protocol';
import { missingCudaLibraries } from './cudaLibraries';
import { systemLibrarySearch } from './sharedLibraries';
import { installFastWasm, loadedVersions, versionMismatch, type FastWasmReport } from './fastWasm';
import { requestedWasmThreads, startThreadedWasm } from './fastWasm/threads';
import { loadNativeKernels, type NativeReport } from './native/loadNative';
import { NATIVE_BACKEND, registerNativeBackend } from './native/nativeBackend';
import { describeAdapter, type AdapterFacts } from './webgpu/adapter';
import { startWebGpu, WEBGPU_BACKEND } from './webgpu/loadWebGpu';

export interface BackendAttempt {
  preference: Exclude<BackendPreference, 'auto'>;
  ok: boolean;
  reason?: string;
}

export interface BackendChoice extends BackendInfo {
  attempts: BackendAttempt[];
}

type Loader = () => Promise<string>;

/** What the fast-wasm layer did the last time the wasm backend was initialised. */
let lastFastWasm: FastWasmReport | undefined;
/** Whether the native GEMM/convolution kernels serve the wasm backend, and why not when they do not. */
let lastNative: NativeReport | undefined;
/** How the wasm backend's thread pool came up the last time it was initialised. */
let lastWasmThreads: { threads: number; note?: string } | undefined;
/** The GPU adapter the webgpu backend opened its device on. */
let lastAdapter: AdapterFacts | undefined;

/** How to fix a failed explicit choice, per backend. */
const FIXES: Record<Exclude<BackendPreference, 'auto'>, string> = {
  'tensorflow-gpu':
    'install it with "npm install @tensorflow/tfjs-node-gpu" (needs internet for libtensorflow and CUDA 11.2 + cuDNN 8.1 libraries on the library path), or use --backend auto',
  tensorflow: 'install it with "npm install @tensorflow/tfjs-node" (its install downloads libtensorflow), or use --backend auto',
  webgpu:
    'install the optional packages ("npm install webgpu @tensorflow/tfjs-backend-webgpu@4.22.0") and a GPU driver with Vulkan (Linux: the NVIDIA driver\'s Vulkan ICD or mesa-vulkan-drivers, check with "vulkaninfo --summary"), Metal (macOS) or D3D12 (Windows), or use --backend auto',
  native:
    'install a C compiler (Debian/Ubuntu: "apt-get install build-essential"; macOS: "xcode-select --install") and unset DCL_NATIVE=0, or use --backend wasm',
  wasm: 'reinstall the project dependencies ("npm ci"), or use --backend cpu',
  cpu: 'reinstall the project dependencies ("npm ci")',
};

// The native packages register their backend on import; require() them lazily so a missing one only
// costs a caught error. A require made at run time keeps the bundler from resolving them at build time.
const dynamicRequire: NodeRequire = createRequire(__filename);

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? msg;
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

export function wasmDistDir(): string {
  return path.dirname(dynamicRequire.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

const LOADERS: Record<Exclude<BackendPreference, 'auto'>, Loader> = {
  'tensorflow-gpu': async () => {
    dynamicRequire.resolve('@tensorflow/tfjs-node-gpu');
    const missing = process.platform === 'linux' ? missingCudaLibraries(systemLibrarySearch()) : [];
    if (missing.length) {
      throw new Error(`${missing.join(' and ')} not on the library path (LD_LIBRARY_PATH, ldconfig): tfjs-node-gpu would train on the CPU`);
    }
    dynamicRequire('@tensorflow/tfjs-node-gpu');
    await activate('tensorflow');
    return 'tensorflow-gpu';
  },
  tensorflow: async () => {
    dynamicRequire('@tensorflow/tfjs-node');
    await activate('tensorflow');
    return 'tensorflow';
  },
  webgpu: async () => {
    lastAdapter = await startWebGpu(activate);
    return WEBGPU_BACKEND;
  },
  native: async () => {
    const native = loadNativeKernels({ threads: requestedWasmThreads() });
    lastNative = native.report;
    if (!native.kernels) throw new Error(native.report.reason ?? 'native kernels unavailable');
    registerNativeBackend(native.kernels);
    await activate(NATIVE_BACKEND);
    return NATIVE_BACKEND;
  },
  wasm: async () => {
    const wasm = dynamicRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDistDir());
    // Stock wasm kernels are slow for training (and lack conv gradients); DCL_FAST_WASM=0 turns this off,
    // DCL_NATIVE=0 keeps the fast kernels in wasm instead of the native GEMM.
    const fast = process.env.DCL_FAST_WASM !== '0' && !versionMismatch(loadedVersions());
    const native = fast ? loadNativeKernels({ threads: requestedWasmThreads() }) : undefined;
    lastNative = native?.report;
    // With native GEMMs and convolutions, wasm's thread pool has nothing left worth sharing out, and its
    // idle workers spin against the native threads for the same cores (measured: both encoders ~15% slower).
    lastWasmThreads = native?.kernels ? await activateWasm(wasm, 1) : await activateWasm(wasm);
    lastFastWasm = installFastWasm({ native: native?.kernels });
    return 'wasm';
  },
  cpu: async () => {
    await activate('cpu');
    // The cpu backend prints a "install tfjs-node" banner on first use; we already explain the choice in the run.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return 'cpu';
  },
};

/**
 * Starts wasm with a pool of every core (or DCL_WASM_THREADS); if the threaded start fails, says why and
 * starts the single-threaded binary instead, so a run never fails for want of threads.
 */
async function activateWasm(
  wasm: { setThreadsCount: (n: number) => void },
  threads = requestedWasmThreads(),
): Promise<{ threads: number; note?: string }> {
  if (threads > 1) {
    try {
      return await startThreadedWasm(wasm, path.join(wasmDistDir(), '..', 'wasm-out'), threads, () => activate('wasm'));
    } catch (e) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setThreadsCount(1);
      await activate('wasm');
      return { threads: 1, note: `threaded wasm failed to start (${firstLine(e)}); running single-threaded` };
    }
  }
  await activate('wasm');
  const why = lastNative?.loaded ? 'native kernels do the heavy work' : 'DCL_WASM_THREADS=1 or one core';
  return { threads: 1, note: `single-threaded (${why})` };
}

/** The order `auto` tries: BACKEND_PREFERENCES's, fastest first (one list, so the two cannot disagree). */
export const AUTO_ORDER: readonly Exclude<BackendPreference, 'auto'>[] = BACKEND_PREFERENCES.filter((p): p is Exclude<BackendPreference, 'auto'> => p !== 'auto');

/**
 * Initialise a backend. An explicit choice that cannot load throws with the loader's reason and the fix;
 * `auto` falls through the order above and records each failure.
 */
export async function initBackend(
  preference: BackendPreference,
  loaders: Record<Exclude<BackendPreference, 'auto'>, Loader> = LOADERS,
): Promise<BackendChoice> {
  const order = preference === 'auto' ? AUTO_ORDER : [preference];
  // A malformed DCL_WASM_THREADS is the user's mistake to fix, not a reason to fall through to cpu.
  if (order.includes('wasm') || order.includes('native')) requestedWasmThreads();
  const attempts: BackendAttempt[] = [];
  for (const pref of order) {
    const loader = loaders[pref];
    if (!loader) throw new Error(`unknown backend "${pref}"; use one of auto, ${AUTO_ORDER.join(', ')}`);
    try {
      const name = await loader();
      attempts.push({ preference: pref, ok: true });
      return {
        name,
        tfjsVersion: tf.version.tfjs,
        ...backendThreads(name),
        details: describeDevice(name, attempts),
        attempts,
      };
    } catch (e) {
      attempts.push({ preference: pref, ok: false, reason: firstLine(e) });
      if (preference !== 'auto') {
        throw new Error(`backend "${pref}" could not be loaded: ${firstLine(e)}. Fix: ${FIXES[pref]}.`);
      }
    }
  }
  throw new Error(
    `no TensorFlow.js backend could be loaded: ${attempts.map((a) => `${a.preference}: ${a.reason}`).join('; ')}`,
  );
}

/** Threads doing the numerical work: the native kernels' pool when they serve wasm, else wasm's own pool. */
function backendThreads(name: string): Pick<BackendInfo, 'threads' | 'native' | 'gpu'> {
  if (name === 'cpu') return { threads: 1 };
  if (name === WEBGPU_BACKEND) return lastAdapter ? { gpu: lastAdapter } : {};
  if (name === NATIVE_BACKEND) {
    const threads = lastNative?.threads ?? 1;
    return { threads, native: { isa: lastNative?.isa ?? 'unknown', threads } };
  }
  if (name !== 'wasm') return {};
  if (lastNative?.loaded && lastFastWasm?.installed) {
    const threads = lastNative.threads ?? 1;
    return { threads, native: { isa: lastNative.isa ?? 'unknown', threads } };
  }
  return { threads: lastWasmThreads?.threads ?? 1 };
}

function describeDevice(name: string, attempts: BackendAttempt[]): string[] {
  const details = [`backend ${name}`, `tfjs ${tf.version.tfjs}`, `node ${process.version}`, `${process.platform}/${process.arch}`];
  if (name === 'wasm') {
    details.push(`wasm simd ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}`);
    details.push(`wasm threads ${lastWasmThreads?.threads ?? 1}${lastWasmThreads?.note ? ` (${lastWasmThreads.note})` : ''}`);
    if (lastFastWasm?.installed) details.push(`fast-wasm kernels: ${lastFastWasm.kernels.join(', ')}`);
    else if (lastFastWasm) details.push(`fast-wasm off: ${lastFastWasm.reason}`);
    if (lastNative?.loaded && lastFastWasm?.installed) {
      const compiled = lastNative.compileMs ? `, compiled in ${lastNative.compileMs} ms` : '';
      details.push(`native GEMM/conv kernels: ${lastNative.isa}, ${lastNative.threads} threads (${lastNative.compiler}${compiled})`);
    } else if (lastNative) {
      details.push(`native kernels off: ${lastNative.reason ?? 'fast-wasm is off'}`);
    }
  }
  if (name === NATIVE_BACKEND && lastNative?.loaded) {
    const compiled = lastNative.compileMs ? `, compiled in ${lastNative.compileMs} ms` : '';
    details.push(`native kernels: ${lastNative.isa}, ${lastNative.threads} threads (${lastNative.compiler}${compiled}); other kernels: tfjs cpu`);
  }
  if (name === WEBGPU_BACKEND && lastAdapter) details.push(describeAdapter(lastAdapter));
  for (const a of attempts) if (!a.ok) details.push(`skipped ${a.preference}: ${a.reason}`);
  return details;
}
