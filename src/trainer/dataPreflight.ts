/**
 * The data checks a run must pass before its run folder is written (the README's "before anything is written"): the
 * folder holds a readable copy of the dataset, --subset is not more than it has, and one batch fits in the training
 * set. Headers, file sizes and counts only, through the readers' describe functions, so it takes milliseconds.
 * Plain Node (no TensorFlow.js). train.ts repeats the size check on the loaded data, for runs started another way.
 */
import type { RunConfig } from '../shared/protocol';
import { describeDatasetDir } from './data';
import { SYNTHETIC_DEFAULTS } from './data/synthetic';

/**
 * The most images the synthetic dataset generates per split. It is made for smoke runs and tests; 100 000 images are
 * ~300 MB at 32×32×3, and a typo like --subset 1e9 must be refused, not end in "Invalid typed array length".
 */
export const SYNTHETIC_MAX_IMAGES = 100_000;

/** Throws one line naming the problem and the fix when the run's data cannot work; returns the checked summary. */
export function checkRunData(
  config: Pick<RunConfig, 'dataset' | 'dataDir' | 'testDir' | 'seed' | 'subset' | 'testSubset' | 'batchSize' | 'useUnlabeled'>,
): string {
  const { subset, testSubset } = config;
  if (config.dataset === 'synthetic') {
    for (const [flag, n] of [['--subset', subset], ['--test-subset', testSubset]] as const) {
      if (n > SYNTHETIC_MAX_IMAGES) throw new Error(`${flag} ${n} is more than the synthetic dataset generates (at most ${SYNTHETIC_MAX_IMAGES}); lower ${flag}`);
    }
    checkBatch(config.batchSize, subset || SYNTHETIC_DEFAULTS.trainCount, 'synthetic');
    return `synthetic: ${subset || SYNTHETIC_DEFAULTS.trainCount} training images`;
  }
  const check = describeDatasetDir({ dataset: config.dataset, dataDir: config.dataDir, testDir: config.testDir, seed: config.seed });
  if (!check.ok) throw new Error(check.problem);
  const counts = splitCounts(check.summary);
  if (counts) {
    if (subset > counts.train) {
      throw new Error(`--subset ${subset} is more than the ${counts.train} training images of ${config.dataset}; lower --subset (0 = all)`);
    }
    if (testSubset > counts.test) {
      throw new Error(`--test-subset ${testSubset} is more than the ${counts.test} test images of ${config.dataset}; lower --test-subset (0 = all)`);
    }
    // STL-10's unlabeled split joins the training pool, so only the labelled part is a lower bound there.
    if (!config.useUnlabeled) checkBatch(config.batchSize, subset || counts.train, config.dataset);
  }
  return check.summary;
}

function checkBatch(batchSize: number, trainImages: number, dataset: string): void {
  if (batchSize > trainImages) {
    throw new Error(`batch size ${batchSize} is larger than the ${trainImages} training images of ${dataset}; lower --batch-size or use more data (--subset)`);
  }
}

/**
 * The training and test counts a describe summary states ("… 50000 training and 10000 test images …"). A summary
 * without them (a reader that cannot count without a full read) skips the count checks; train.ts still makes them.
 */
function splitCounts(summary: string): { train: number; test: number } | undefined {
  const m = /(\d+) training\b.*?(\d+) test\b/.exec(summary);
  return m ? { train: Number(m[1]), test: Number(m[2]) } : undefined;
}
