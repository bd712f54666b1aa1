/**
 * The data-size checks a run must pass before its folder is created, on the host's side: the same cases the CLI
 * refuses (src/trainer/dataPreflight.ts checkRunData, which the host cannot import): subset or testSubset beyond
 * the images the dataset has, and a batch larger than the training images. The counts come from the folder
 * check (datasetFolderCheck.ts); where it cannot count (gzip IDX it cannot inflate), only the synthetic bounds
 * apply and the trainer checks the rest. test/host/dataSizeCheck.test.ts holds both sides to one table of cases.
 */
import type { RunConfig } from '../../shared/protocol';
import type { SplitCounts } from './datasetFolderCheck';

/** The synthetic set: its default training split and the most it generates per split (the trainer's numbers). */
export const SYNTHETIC_TRAIN_IMAGES = 5000;
export const SYNTHETIC_MAX_IMAGES = 100_000;

export type DataSizeFields = Pick<RunConfig, 'dataset' | 'subset' | 'testSubset' | 'batchSize' | 'useUnlabeled'>;

/** One line naming the field and the fix, or undefined when the sizes fit. */
export function dataSizeProblem(config: DataSizeFields, counts: SplitCounts | undefined): string | undefined {
  const { subset, testSubset, dataset } = config;
  if (dataset === 'synthetic') {
    for (const [field, n] of [['subset', subset], ['testSubset', testSubset]] as const) {
      if (n > SYNTHETIC_MAX_IMAGES) return `${field} ${n} is more than the synthetic dataset generates (at most ${SYNTHETIC_MAX_IMAGES}); lower ${field}`;
    }
    return batchProblem(config.batchSize, subset || SYNTHETIC_TRAIN_IMAGES, dataset);
  }
  if (!counts) return undefined;
  if (subset > counts.train) return `subset ${subset} is more than the ${counts.train} training images of ${dataset}; lower subset (0 = all)`;
  if (testSubset > counts.test) return `testSubset ${testSubset} is more than the ${counts.test} test images of ${dataset}; lower testSubset (0 = all)`;
  // STL-10's unlabeled split joins the training pool, so only the labelled part is a lower bound there.
  if (config.useUnlabeled) return undefined;
  return batchProblem(config.batchSize, subset || counts.train, dataset);
}

function batchProblem(batchSize: number, trainImages: number, dataset: string): string | undefined {
  if (batchSize <= trainImages) return undefined;
  return `batch size ${batchSize} is larger than the ${trainImages} training images of ${dataset}; lower the batch size or use more data (subset)`;
}
