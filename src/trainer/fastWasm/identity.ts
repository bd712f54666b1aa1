/**
 * Identity for wasm without a copy. The stock kernel copies the whole buffer; tf.layers and the gradient code call
 * it about 190 times a CNN step (30 ms at batch 256). Sharing the buffer under a reference count is what the cpu
 * backend's Identity does, and what wasm's own Reshape does: tensors are immutable, every kernel writes only to
 * buffers it allocated.
 */
import type * as tf from '@tensorflow/tfjs';
import { KernelArgs, input } from './wasmKernels';

export function makeIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = input(args, 'x');
    if (x.dtype === 'string') return stock(args);
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
