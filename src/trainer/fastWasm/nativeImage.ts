/**
 * CropAndResize and Transform for wasm computed by the native kernels, on the wasm heap. They are the
 * augmentations' resampling steps (random resized crop with flip, then the small affine warp), ~16 ms a
 * view for an MNIST batch of 256 in the stock wasm kernels and under a millisecond natively. float32
 * images and the 'constant'/'nearest' fill modes only; anything else goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/loadNative';
import { KernelArgs, asWasmBackend, input } from './wasmKernels';

export function makeNativeCropAndResize(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const image = input(args, 'image');
    const boxes = input(args, 'boxes');
    const boxInd = input(args, 'boxInd');
    const { cropSize, method, extrapolationValue } = args.attrs as unknown as {
      cropSize: [number, number];
      method: 'bilinear' | 'nearest';
      extrapolationValue: number;
    };
    if (image.dtype !== 'float32' || boxes.dtype !== 'float32' || boxInd.dtype !== 'int32' || image.shape.length !== 4) return fallback(args);
    const [batch, h, w, c] = image.shape;
    const numBoxes = boxInd.shape[0];
    if (boxes.shape[0] !== numBoxes || h * w * c === 0 || numBoxes === 0) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput([numBoxes, cropSize[0], cropSize[1], c], 'float32');
    // Heap views after the allocation: growing the heap detaches older views.
    native.cropAndResize(
      backend.typedArrayFromHeap(image),
      backend.typedArrayFromHeap(boxes),
      backend.typedArrayFromHeap(boxInd) as unknown as Int32Array,
      backend.typedArrayFromHeap(out),
      batch,
      h,
      w,
      c,
      cropSize[0],
      cropSize[1],
      method === 'nearest' ? 0 : 1,
      extrapolationValue ?? 0,
    );
    return out;
  };
}

export function makeNativeTransform(native: NativeKernels, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const image = input(args, 'image');
    const transforms = input(args, 'transforms');
    const { interpolation, fillMode, fillValue, outputShape } = args.attrs as unknown as {
      interpolation: 'bilinear' | 'nearest';
      fillMode: 'constant' | 'reflect' | 'wrap' | 'nearest';
      fillValue: number;
      outputShape?: [number, number];
    };
    if (image.dtype !== 'float32' || transforms.dtype !== 'float32' || image.shape.length !== 4) return fallback(args);
    if (fillMode !== 'constant' && fillMode !== 'nearest') return fallback(args);
    const [batch, h, w, c] = image.shape;
    const [outH, outW] = outputShape ?? [h, w];
    if (batch * h * w * c === 0 || (transforms.shape[0] !== 1 && transforms.shape[0] !== batch)) return fallback(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput([batch, outH, outW, c], 'float32');
    native.transform(
      backend.typedArrayFromHeap(image),
      backend.typedArrayFromHeap(transforms),
      backend.typedArrayFromHeap(out),
      batch,
      h,
      w,
      c,
      outH,
      outW,
      interpolation === 'nearest' ? 0 : 1,
      fillMode === 'nearest' ? 1 : 0,
      fillValue ?? 0,
    );
    return out;
  };
}
