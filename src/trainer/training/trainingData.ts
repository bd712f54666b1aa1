/**
 * The images a run trains and evaluates on: the dataset read once, the training pool the loop draws batches
 * from, and the augmentations that suit it.
 */
import type { RunConfig } from '../../shared/protocol';
import { defaultAugmentOptions, type AugmentOptions } from '../augment';
import { datasetOptionsOf, loadDataset, type Dataset, type ImageSet } from '../data';
import { imageBytes } from '../data/types';
import type { ImageShape } from '../features';
import type { RunContext } from './runContext';

export interface TrainingData {
  /** The labelled train split is the kNN bank (and the linear evaluation's training set); test is the queries. */
  data: Dataset;
  /** What the contrastive loss trains on: the train split, plus STL-10's unlabeled split when there is one. */
  pool: ImageSet;
  shape: ImageShape;
  augment: AugmentOptions;
}

export function loadTrainingData(config: RunConfig, ctx: RunContext): TrainingData {
  const data = loadDataset(datasetOptionsOf(config));
  // Readers may skip what they cannot read (an unreadable image …) and say so; the run's log keeps the note.
  for (const warning of data.warnings ?? []) ctx.log(`dataset ${data.name}: ${warning}`);
  // The contrastive loss needs no labels, so STL-10's unlabeled split can join the training pool; the kNN
  // bank stays the labelled train split.
  const pool = data.unlabeled ? joinSets(data.train, data.unlabeled, imageBytes(data)) : data.train;
  checkSizes(config, { ...data, train: pool });
  const shape: ImageShape = { height: data.height, width: data.width, channels: data.channels };
  ctx.log(`dataset ${data.name}: ${data.train.count} train / ${data.test.count} test images of ${data.height}×${data.width}×${data.channels}`);
  return { data, pool, shape, augment: defaultAugmentOptions(data.channels, isDigits(config, data)) };
}

/** Digits are not flipped (a mirrored 2 is not a 2), so their augmentations differ. */
function isDigits(config: RunConfig, data: Dataset): boolean {
  if (config.dataset === 'mnist' || config.dataset === 'synthetic') return true;
  return config.dataset === 'idx' && data.numClasses === 10 && /mnist/i.test(data.name) && !/fashion/i.test(data.name);
}

function checkSizes(config: RunConfig, data: Dataset): void {
  if (data.train.count < config.batchSize) {
    throw new Error(
      `batch size ${config.batchSize} is larger than the ${data.train.count} training images; lower batchSize (--batch-size) or use more data (--subset)`,
    );
  }
  if (data.test.count === 0) throw new Error('the test split is empty, so kNN accuracy cannot be measured; raise testSubset (--test-subset)');
}

function joinSets(a: ImageSet, b: ImageSet, bytesPerImage: number): ImageSet {
  const images = new Uint8Array((a.count + b.count) * bytesPerImage);
  images.set(a.images.subarray(0, a.count * bytesPerImage));
  images.set(b.images.subarray(0, b.count * bytesPerImage), a.count * bytesPerImage);
  const labels = new Int32Array(a.count + b.count);
  labels.set(a.labels.subarray(0, a.count));
  labels.fill(-1, a.count);
  return { images, labels, count: a.count + b.count };
}
