/**
 * In-memory shape of every dataset the trainer can read.
 *
 * Pixels stay as raw bytes (0..255): the trainer converts a batch at a time to float tensors, so a
 * 50 000-image CIFAR set costs 150 MB instead of 600 MB of float32. Every reader converts to one pixel
 * order (HWC, row-major) so the augmentation and encoder code never needs to know the source format.
 * This module (like the whole data/ folder) is plain Node: the extension host imports it to check a
 * folder before launch and must never pull in TensorFlow.js.
 */

export interface ImageSet {
  /** count*H*W*C bytes, HWC order per image, row-major (index ((i*H + y)*W + x)*C + c). */
  images: Uint8Array;
  /** One class index per image, 0-based. */
  labels: Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  height: number;
  width: number;
  channels: 1 | 3;
  numClasses: number;
  classNames?: string[];
  train: ImageSet;
  test: ImageSet;
  /** Optional extra unlabeled images for training only (STL-10); labels are all -1. */
  unlabeled?: ImageSet;
  /** What the reader skipped or noticed (unreadable images, ignored files, its cache); the trainer logs each. */
  warnings?: string[];
}

/** Bytes per image of a dataset. */
export function imageBytes(ds: Pick<Dataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}
