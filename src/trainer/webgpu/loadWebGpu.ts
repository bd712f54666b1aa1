/**
 * Starts TensorFlow.js's WebGPU backend in Node on Dawn (the `webgpu` package), trainer process only.
 *
 * tfjs-backend-webgpu registers itself only where `navigator.gpu` exists and then takes whatever adapter it
 * is given, software ones included. So the adapter is requested and judged here (see adapter.ts), and the
 * backend is registered with a device made from that adapter; a refusal carries the reason.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { libraryFound, systemLibrarySearch } from '../sharedLibraries';
import { judgeAdapter, RECORDED_LIMITS, type AdapterFacts, type AdapterLike } from './adapter';

export const WEBGPU_BACKEND = 'webgpu';

// Both packages are optional dependencies resolved at run time, so the bundle never contains them.
const dynamicRequire: NodeRequire = createRequire(__filename);

interface DawnAdapter extends AdapterLike {
  requestDevice(descriptor: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<unknown>;
}
interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
type WebGpuPackage = { WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend };

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The Vulkan loader's driver manifests on Linux: with none, Dawn cannot see an NVIDIA/AMD/Intel GPU. */
export const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

function vulkanHint(): string {
  if (process.platform !== 'linux') return '';
  const icds = VULKAN_ICD_DIRS.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => `${d}/${f}`) : []));
  return icds.length ? `; Vulkan drivers listed: ${icds.join(', ')}` : `; no Vulkan driver manifest in ${VULKAN_ICD_DIRS.join(' or ')}`;
}

async function importDawn(): Promise<DawnModule> {
  // `webgpu` is an ES module; import() by file URL works on every Node the trainer supports.
  const entry = dynamicRequire.resolve('webgpu');
  return (await import(pathToFileURL(entry).href)) as DawnModule;
}

/**
 * Finds a hardware adapter through Dawn, opens a device on it and makes `webgpu` the active tfjs backend.
 * Throws with the reason when the package is missing, there is no adapter, only a software one, or a limit
 * is short. Returns what the run records about the adapter.
 */
export async function startWebGpu(activate: (name: string) => Promise<void>): Promise<AdapterFacts> {
  let dawn: DawnModule;
  try {
    dawn = await importDawn();
  } catch (e) {
    throw new Error(`the optional package "webgpu" (Dawn for Node) is not installed or will not load: ${firstLine(e)}`);
  }
  let pkg: WebGpuPackage;
  try {
    pkg = dynamicRequire('@tensorflow/tfjs-backend-webgpu') as WebGpuPackage;
  } catch (e) {
    throw new Error(`the optional package "@tensorflow/tfjs-backend-webgpu" is not installed: ${firstLine(e)}`);
  }
  // Without the Vulkan loader Dawn has nothing to try on Linux (and prints a warning of its own): say so first.
  if (process.platform === 'linux' && !libraryFound('libvulkan.so.1', systemLibrarySearch())) {
    throw new Error(`no Vulkan loader (libvulkan.so.1) on the library path, so Dawn has no GPU driver to use${vulkanHint()}`);
  }
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  // DCL_WEBGPU_ALLOW_SOFTWARE=1 lets a software adapter through, so the Node path can be tested without a GPU.
  const verdict = judgeAdapter(adapter, { allowSoftware: process.env.DCL_WEBGPU_ALLOW_SOFTWARE === '1' });
  if (!verdict.ok) throw new Error(verdict.reason + (adapter ? '' : vulkanHint()));
  // The backend's shaders name GPUBufferUsage, GPUMapMode… as globals, as in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  // WebGPUBackend's constructor refuses to start unless navigator.gpu exists (Node 20 has no navigator; 21+ has one
  // without gpu). Set only now: tfjs-backend-webgpu, already imported, has not registered its own adapter choice.
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator!.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const a = adapter as DawnAdapter;
  // Ask for the adapter's own limits (the device otherwise gets the spec minimums) so large batches fit.
  const requiredLimits: Record<string, number> = {};
  for (const k of RECORDED_LIMITS) {
    if (typeof a.limits[k] === 'number') requiredLimits[k] = a.limits[k];
  }
  const requiredFeatures = ['timestamp-query'].filter((f) => a.features.has(f));
  const device = await a.requestDevice({ requiredLimits, requiredFeatures });
  if (!tf.findBackendFactory(WEBGPU_BACKEND)) {
    tf.registerBackend(WEBGPU_BACKEND, () => new pkg.WebGPUBackend(device, a.info), 3);
  }
  await activate(WEBGPU_BACKEND);
  return verdict.adapter;
}
