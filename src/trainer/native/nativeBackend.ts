/**
 * The `native` TensorFlow.js backend: the cpu backend's tensor storage (one ordinary typed array per tensor, so
 * only the machine's RAM limits a batch) with the compiled kernels of fast_kernels.c for the hot kernels and the
 * cpu backend's kernels for everything else.
 *
 * Why not the wasm backend with the same kernels: every wasm tensor lives in one 32-bit WebAssembly heap, which
 * cannot grow past 4 GB; a ResNet-18 step at batch 128 with two views needs more and aborts. The compiled kernels
 * take any Float32Array, so they work on the cpu backend's arrays unchanged, through the storage adapter below.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as os from 'node:os';
import { BufferPool } from './bufferPool';
import { installNativeGradients } from '../fastWasm/nativeGradients';
import { nativeKernelOverrides } from '../fastWasm/nativeOverrides';
import type { TensorInfo, WasmBackend } from '../fastWasm/wasmKernels';
import type { NativeKernels } from './loadNative';

export const NATIVE_BACKEND = 'native';

type Values = Float32Array | Int32Array | Uint8Array;

/** Freed buffers kept for reuse: at most half the machine's memory (in steady training the pool is emptied by each step). */
const POOL_CAP_BYTES = os.totalmem() / 2;

function viewOf(dtype: tf.DataType, buffer: ArrayBuffer, size: number): Values {
  if (dtype === 'int32') return new Int32Array(buffer, 0, size);
  if (dtype === 'bool') return new Uint8Array(buffer, 0, size);
  if (dtype === 'float32') return new Float32Array(buffer, 0, size);
  throw new Error(`native backend: cannot allocate a ${dtype} tensor`);
}

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/** Whether tfjs is inside a kernel now (engine-internal; undefined where a tfjs version does not keep it). */
function insideKernel(): boolean {
  const depth = (tf.engine() as unknown as { state?: { kernelDepth?: number } }).state?.kernelDepth;
  return typeof depth === 'number' && depth > 0;
}

/**
 * The cpu backend with the storage interface the native kernel wrappers were written against (wasm's
 * makeOutput/typedArrayFromHeap). A separate object, because MathBackendCPU already has a makeOutput of
 * another signature that its own kernels call.
 */
class NativeCpuBackend extends MathBackendCPU {
  readonly kernelStorage: WasmBackend;
  readonly pool = new BufferPool(POOL_CAP_BYTES);
  /** True while makeOutput registers a buffer it just took from the pool (not a view another tensor shares). */
  private adopting = false;

  constructor() {
    super();
    // The cpu backend's "install tfjs-node" banner: the run already records why it computes where it does.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    this.kernelStorage = {
      makeOutput: (shape, dtype, _offset, values) => {
        const size = tf.util.sizeFromShape(shape);
        const bytes = BYTES[dtype];
        if (bytes === undefined) throw new Error(`native backend: cannot allocate a ${dtype} tensor`);
        const out = viewOf(dtype, this.pool.take(Math.max(1, size * bytes)), size);
        // wasm copies given values into its heap; copy too, so the caller keeps its array to itself.
        if (values) out.set(values);
        this.adopting = true;
        try {
          return this.makeTensorInfo(shape, dtype, out);
        } finally {
          this.adopting = false;
        }
      },
      disposeData: (dataId, force) => this.disposeData(dataId, force),
      readSync: (dataId) => this.readSync(dataId) as Float32Array,
      typedArrayFromHeap: (info: TensorInfo) => {
        const data = this.data.get(info.dataId);
        const values = data?.values;
        if (!data || !values || Array.isArray(values)) throw new Error(`native backend: tensor [${info.shape}] ${info.dtype} has no numeric buffer`);
        // The cpu backend may keep a float32 tensor in another array type (a cast from bool keeps its bytes); the
        // compiled kernels read float32, so such a tensor is converted once, in place.
        if (info.dtype === 'float32' && !(values instanceof Float32Array)) data.values = Float32Array.from(values as Uint8Array);
        return data.values as Float32Array;
      },
      numDataIds: () => this.numDataIds(),
      refCount: (dataId) => this.refCount(dataId),
    };
  }

  // Every way the cpu backend stores values: a pooled buffer arriving here other than from makeOutput is a view
  // that another tensor now shares (a contiguous Slice is a subarray of its input), so it must never be reused.
  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    if (!this.adopting && ArrayBuffer.isView(values)) this.pool.markShared(values.buffer);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    if (ArrayBuffer.isView(values)) this.pool.markShared(values.buffer);
    super.move(dataId, values, shape, dtype, refCount);
  }

  /** Outside a kernel (dataSync, data, arraySync) a pooled buffer is read as a copy: its owner may be freed and reused. */
  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    return !insideKernel() && ArrayBuffer.isView(values) && this.pool.owns(values.buffer) ? (values as Float32Array).slice() : values;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const freed = super.disposeData(dataId, force);
    if (freed && values && ArrayBuffer.isView(values) && !this.data.has(dataId)) this.pool.give(values);
    return freed;
  }
}

/** At a training step's start: frees the pooled buffers the last step did not reuse (no-op on other backends). */
export function trimBufferPool(): void {
  const backend = tf.backend();
  if (backend instanceof NativeCpuBackend) backend.pool.trim();
}

/** Backends registered here (the native one; tests add variants) and the compiled kernels behind each. */
const registered = new Map<string, NativeKernels>();

/** The compiled kernels behind backend `name`, if it is one registered here. */
export function nativeBackendKernels(name: string = NATIVE_BACKEND): NativeKernels | undefined {
  return registered.get(name);
}

/**
 * Registers the `native` backend (once per process and name): every cpu kernel, then the native overrides on top, each
 * falling back to the cpu kernel it replaces. Priority 0, below cpu's, so tfjs never picks it by itself.
 */
export function registerNativeBackend(native: NativeKernels, name: string = NATIVE_BACKEND): void {
  if (registered.has(name)) return;
  tf.registerBackend(name, () => new NativeCpuBackend(), 0);
  const cpuKernels = tf.getKernelsForBackend('cpu');
  for (const config of cpuKernels) tf.registerKernel({ ...config, backendName: name });
  const cpuKernel = (name: string) => cpuKernels.find((k) => k.kernelName === name)?.kernelFunc;
  for (const [kernelName, kernelFunc] of nativeKernelOverrides(native, cpuKernel)) {
    if (tf.getKernel(kernelName, name)) tf.unregisterKernel(kernelName, name);
    tf.registerKernel({ kernelName, backendName: name, kernelFunc });
  }
  installNativeGradients();
  registered.set(name, native);
}
