/**
 * Faster training kernels for the wasm backend: see matmul.ts, conv2dBackpropFilter.ts and
 * conv2dBackpropInput.ts for what each one replaces and why.
 *
 * `installFastWasm()` swaps them into the kernel registry once the wasm backend is active;
 * `uninstallFastWasm()` puts the stock kernels back. Turn it off with `{enabled: false}` or the
 * environment variable DCL_FAST_WASM=0.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { makeConv2DBackpropFilter } from './conv2dBackpropFilter';
import { makeConv2DBackpropInput } from './conv2dBackpropInput';
import { makeBatchMatMul, makeFusedMatMul } from './matmul';
import { makeSum } from './sum';
import { makeIdentity } from './identity';
import { LoadedVersions, versionMismatch } from './version';
import { installNativeGradients, uninstallNativeGradients } from './nativeGradients';
import { nativeKernelOverrides } from './nativeOverrides';
import type { NativeKernels } from '../native/loadNative';
import { nativeBackendKernels } from '../native/nativeBackend';

export { FAST_WASM_TFJS_VERSION, versionMismatch } from './version';
export type { LoadedVersions } from './version';

export interface FastWasmReport {
  installed: boolean;
  /** Kernel names now served by the fast implementations. */
  kernels: string[];
  /** Why nothing was installed (or a note when it already was). */
  reason?: string;
  /** Threads in the wasm backend's XNNPACK pool (more than 1 only when threads.ts started the threaded binary). */
  threads?: number;
}

export interface FastWasmOptions {
  /** false leaves the stock kernels in place. */
  enabled?: boolean;
  /** Environment to read DCL_FAST_WASM from (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Versions to check instead of the loaded ones; lets tests exercise the version pin. */
  versions?: LoadedVersions;
  /** Native GEMM/convolution kernels to compute matmuls and convolutions with (the wasm kernels remain their fallback). */
  native?: NativeKernels;
}

const BACKEND = 'wasm';

/** The registry entries replaced by install (undefined where wasm had no kernel), for uninstall. */
let replaced: Map<string, tf.KernelConfig | undefined> | null = null;
/** The native kernels the installed overrides use, if any (the optimizer uses them too). */
let installedNative: NativeKernels | undefined;

// Resolved at run time like backend.ts does, so importing this module never loads the wasm package.
const dynamicRequire: NodeRequire = createRequire(__filename);

export function loadedVersions(): LoadedVersions {
  let wasm: string | undefined;
  try {
    wasm = (dynamicRequire('@tensorflow/tfjs-backend-wasm') as { version_wasm?: string }).version_wasm;
  } catch {
    wasm = undefined;
  }
  return { core: tf.version['tfjs-core'], wasm };
}

/** The active wasm backend's thread-pool size, or undefined when it cannot be read. */
export function wasmThreadsCount(): number | undefined {
  try {
    const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
    const n = backend.wasm?.tfjs?.getThreadsCount?.();
    return typeof n === 'number' && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function isFastWasmInstalled(): boolean {
  return replaced !== null;
}

/**
 * The native kernels serving the active backend: the native backend's, or wasm's when they were installed over it;
 * undefined elsewhere (tfjs-node, cpu, wasm computing alone).
 */
export function activeNativeKernels(): NativeKernels | undefined {
  const active = tf.getBackend();
  const own = nativeBackendKernels(active);
  if (own) return own;
  return replaced !== null && active === BACKEND ? installedNative : undefined;
}

export function installFastWasm(opts: FastWasmOptions = {}): FastWasmReport {
  const off = (reason: string): FastWasmReport => ({ installed: false, kernels: [], reason });
  if (opts.enabled === false) return off('fast-wasm kernels disabled by option');
  if ((opts.env ?? process.env).DCL_FAST_WASM === '0') return off('fast-wasm kernels disabled by DCL_FAST_WASM=0');
  const active = tf.getBackend();
  if (active !== BACKEND) return off(`the active backend is ${active ?? 'none'}, not wasm`);
  const mismatch = versionMismatch(opts.versions ?? loadedVersions());
  if (mismatch) return off(mismatch);
  if (replaced) return { installed: true, kernels: [...replaced.keys()], reason: 'already installed', threads: wasmThreadsCount() };

  const stockMatMul = tf.getKernel(tf.BatchMatMul, BACKEND);
  const stockFused = tf.getKernel(tf._FusedMatMul, BACKEND);
  if (!stockMatMul || !stockFused) return off('the wasm backend has no BatchMatMul/_FusedMatMul kernel to build on');
  const stockBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, BACKEND);
  const stockSum = tf.getKernel(tf.Sum, BACKEND);
  const stockIdentity = tf.getKernel(tf.Identity, BACKEND);

  const overrides: [string, tf.KernelFunc][] = [
    [tf.BatchMatMul, makeBatchMatMul(stockMatMul.kernelFunc)],
    [tf._FusedMatMul, makeFusedMatMul(stockFused.kernelFunc, stockMatMul.kernelFunc)],
    [tf.Conv2DBackpropFilter, makeConv2DBackpropFilter()],
    [tf.Conv2DBackpropInput, makeConv2DBackpropInput(stockBackpropInput?.kernelFunc)],
    ...(stockSum ? [[tf.Sum, makeSum(stockSum.kernelFunc)] as [string, tf.KernelFunc]] : []),
    ...(stockIdentity ? [[tf.Identity, makeIdentity(stockIdentity.kernelFunc)] as [string, tf.KernelFunc]] : []),
  ];
  const native = opts.native;
  if (native) {
    // Layered over the wasm overrides above, which stay as the fallback for what the native path skips.
    const fallbackOf = (name: string) => overrides.find(([n]) => n === name)?.[1] ?? tf.getKernel(name, BACKEND)?.kernelFunc;
    for (const entry of nativeKernelOverrides(native, fallbackOf)) {
      const i = overrides.findIndex(([n]) => n === entry[0]);
      if (i >= 0) overrides[i] = entry;
      else overrides.push(entry);
    }
    installNativeGradients();
  }
  replaced = new Map();
  installedNative = native;
  for (const [name, kernelFunc] of overrides) {
    const original = tf.getKernel(name, BACKEND);
    replaced.set(name, original);
    if (original) tf.unregisterKernel(name, BACKEND);
    // The original's setup/dispose hooks stay attached: the fast kernels call the original kernel
    // functions, whose cwrap'd wasm entry points are bound by setupFunc whenever the backend starts.
    tf.registerKernel({
      kernelName: name,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: original?.setupFunc,
      disposeFunc: original?.disposeFunc,
    });
  }
  return { installed: true, kernels: [...replaced.keys()], threads: wasmThreadsCount() };
}

/** Restores the stock wasm kernels; returns false when nothing was installed. */
export function uninstallFastWasm(): boolean {
  if (!replaced) return false;
  for (const [name, original] of replaced) {
    tf.unregisterKernel(name, BACKEND);
    if (original) tf.registerKernel(original);
  }
  replaced = null;
  installedNative = undefined;
  uninstallNativeGradients();
  return true;
}
