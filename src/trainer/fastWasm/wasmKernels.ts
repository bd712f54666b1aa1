/**
 * Backend-level plumbing shared by the fast wasm kernels: calling stock wasm kernels on TensorInfos,
 * reshaped views, contiguous block copies, and a scratch list that frees temporaries.
 *
 * The overrides work on TensorInfos inside the backend rather than on public ops: a kernel that called
 * tf.* ops would create engine Tensors inside another kernel's run, which the engine's scope and
 * refcount bookkeeping do not expect. Stock wasm kernels compose the same way (see Reshape/Concat).
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;

/** The members of tfjs-backend-wasm's BackendWasm that the overrides use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  readSync(dataId: tf.DataId): Float32Array;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  numDataIds(): number;
  /** How many tensors share the buffer behind dataId. */
  refCount(dataId: tf.DataId): number;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A required kernel input (the registry types every input as optional). */
export function input(args: KernelArgs, name: string): TensorInfo {
  const t = args.inputs[name];
  if (t == null) throw new Error(`fast-wasm: kernel input '${name}' is missing`);
  return t;
}

/**
 * The storage interface of the backend a kernel runs on: the wasm backend itself, or the adapter the native
 * backend carries over its ordinary typed arrays (native/nativeBackend.ts).
 */
export function asWasmBackend(backend: unknown): WasmBackend {
  return (backend as { kernelStorage?: WasmBackend }).kernelStorage ?? (backend as WasmBackend);
}

/** Runs a kernel currently registered for wasm (a stock one unless it is one of ours). */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap | TensorInfo[],
  attrs: tf.NamedAttrMap = {},
): TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`fast-wasm: the wasm backend has no '${name}' kernel`);
  const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  if (Array.isArray(out)) throw new Error(`fast-wasm: '${name}' returned several outputs`);
  return out;
}

/** The same buffer under another shape. Views own nothing: free the tensor they were made from. */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  const size = tf.util.sizeFromShape(shape);
  if (size !== tf.util.sizeFromShape(t.shape)) throw new Error(`fast-wasm: cannot view [${t.shape}] as [${shape}]`);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * Temporaries made while computing one kernel output. Everything tracked is freed by `dispose()`
 * (call it in `finally`) except what `release()` hands on as the kernel's output.
 */
export class Scratch {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: WasmBackend) {}

  track(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  /** Stops tracking the buffer behind `t` and returns `t` (possibly a view of it) as an output. */
  release(t: TensorInfo): TensorInfo {
    for (let i = this.owned.length - 1; i >= 0; i--) if (this.owned[i].dataId === t.dataId) this.owned.splice(i, 1);
    return t;
  }

  /** Frees one temporary early (large intermediates should not wait for the end of the kernel). */
  free(t: TensorInfo): void {
    const i = this.owned.findIndex((o) => o.dataId === t.dataId);
    if (i < 0) return;
    this.owned.splice(i, 1);
    this.backend.disposeData(t.dataId);
  }

  dispose(): void {
    for (const t of this.owned.splice(0)) this.backend.disposeData(t.dataId);
  }

  run(name: string, inputs: tf.NamedTensorInfoMap | TensorInfo[], attrs: tf.NamedAttrMap = {}): TensorInfo {
    return this.track(runWasmKernel(name, this.backend, inputs, attrs));
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * Copies columns [begin, begin + size) of `x` seen as an [outer, inner] matrix into a new
   * [outer, size] tensor. Every crop and batch slice here is of this form; the stock Slice kernel
   * first copies the whole input out of the wasm heap, which is wasteful when slicing many batches.
   */
  columns(x: TensorInfo, outer: number, inner: number, begin: number, size: number): TensorInfo {
    if (outer * inner !== tf.util.sizeFromShape(x.shape) || begin < 0 || begin + size > inner) {
      throw new Error(`fast-wasm: bad block copy of [${x.shape}] as ${outer}x${inner} from ${begin} size ${size}`);
    }
    const out = this.track(this.backend.makeOutput([outer, size], 'float32'));
    // Views on the heap are taken after the allocation above: growing the heap detaches older views.
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    if (outer === 1) dst.set(src.subarray(begin, begin + size));
    else for (let o = 0; o < outer; o++) dst.set(src.subarray(o * inner + begin, o * inner + begin + size), o * size);
    return out;
  }

  zeros(shape: number[]): TensorInfo {
    const out = this.track(this.backend.makeOutput(shape, 'float32'));
    this.backend.typedArrayFromHeap(out).fill(0);
    return out;
  }

  fromValues(shape: number[], values: Float32Array): TensorInfo {
    return this.track(this.backend.makeOutput(shape, 'float32', undefined, values));
  }
}
