/**
 * Issue 18's leftover: the host refuses the same data sizes as the CLI, before anything is created. One table of
 * cases; each is put to the host (checkDatasetFolder's counts + dataSizeProblem) and to the CLI's pre-flight
 * (src/trainer/dataPreflight.ts checkRunData, which the CLI runs before it creates a run folder).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDatasetFolder } from '../../src/host/datasets/datasetFolderCheck';
import { dataSizeProblem, SYNTHETIC_MAX_IMAGES, SYNTHETIC_TRAIN_IMAGES } from '../../src/host/datasets/dataSizeCheck';
import { checkRunData, SYNTHETIC_MAX_IMAGES as CLI_SYNTHETIC_MAX } from '../../src/trainer/dataPreflight';
import { describeDatasetDir } from '../../src/trainer/data';
import { SYNTHETIC_DEFAULTS } from '../../src/trainer/data/synthetic';
import type { DatasetKind } from '../../src/shared/protocol';
import { makeTempDir, removeDir } from './hostTestUtils';

function idxImages(count: number): Buffer {
  const b = Buffer.alloc(16 + count * 4);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(2, 8);
  b.writeUInt32BE(2, 12);
  return b;
}
function idxLabels(count: number): Buffer {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(count, 4);
  return b;
}

interface Case {
  name: string;
  dataset: DatasetKind;
  subset?: number;
  testSubset?: number;
  batchSize?: number;
  /** What the refusal is about; undefined: both accept. */
  refused?: 'subset' | 'testSubset' | 'batch';
}

/** The idx folder has 6 training and 2 test images; the CIFAR-10 folder 15 and 2; MNIST 60 000 and 10 000. */
const CASES: Case[] = [
  { name: 'idx: all images, batch = training images', dataset: 'idx', batchSize: 6 },
  { name: 'idx: subset beyond the training images', dataset: 'idx', subset: 7, batchSize: 2, refused: 'subset' },
  { name: 'idx: subset = the training images', dataset: 'idx', subset: 6, batchSize: 2 },
  { name: 'idx: testSubset beyond the test images', dataset: 'idx', testSubset: 3, batchSize: 2, refused: 'testSubset' },
  { name: 'idx: batch larger than the training images', dataset: 'idx', batchSize: 7, refused: 'batch' },
  { name: 'idx: batch larger than the subset', dataset: 'idx', subset: 4, batchSize: 5, refused: 'batch' },
  { name: 'cifar10 binary: subset beyond', dataset: 'cifar10', subset: 16, batchSize: 2, refused: 'subset' },
  { name: 'cifar10 binary: batch beyond', dataset: 'cifar10', batchSize: 16, refused: 'batch' },
  { name: 'cifar10 binary: fits', dataset: 'cifar10', subset: 15, testSubset: 2, batchSize: 15 },
  { name: 'mnist: subset beyond 60 000', dataset: 'mnist', subset: 60001, refused: 'subset' },
  { name: 'mnist: testSubset beyond 10 000', dataset: 'mnist', testSubset: 10001, refused: 'testSubset' },
  { name: 'mnist: everything', dataset: 'mnist', subset: 60000, testSubset: 10000, batchSize: 256 },
  { name: 'synthetic: subset beyond what it generates', dataset: 'synthetic', subset: 200000, refused: 'subset' },
  { name: 'synthetic: testSubset beyond what it generates', dataset: 'synthetic', testSubset: 100001, refused: 'testSubset' },
  { name: 'synthetic: batch larger than the subset', dataset: 'synthetic', subset: 8, batchSize: 16, refused: 'batch' },
  { name: 'synthetic: batch larger than its default split', dataset: 'synthetic', batchSize: 5001, refused: 'batch' },
  { name: 'synthetic: fits', dataset: 'synthetic', subset: 100000, testSubset: 100000, batchSize: 5000 },
  { name: 'imagefolder (split): subset beyond the training share', dataset: 'imagefolder', subset: 19, batchSize: 2, refused: 'subset' },
  { name: 'imagefolder (split): testSubset beyond the held-out images', dataset: 'imagefolder', testSubset: 3, batchSize: 2, refused: 'testSubset' },
  { name: 'imagefolder (split): batch = training images', dataset: 'imagefolder', batchSize: 18 },
  { name: 'imagefolder (split): batch beyond', dataset: 'imagefolder', batchSize: 19, refused: 'batch' },
];

const PATTERN = { subset: /^subset \d+ is more than/, testSubset: /^testSubset \d+ is more than/, batch: /^batch size \d+ is larger than the \d+ training images/ };
const CLI_PATTERN = { subset: /^--subset \d+ is more than/, testSubset: /^--test-subset \d+ is more than/, batch: /^batch size \d+ is larger than the \d+ training images/ };

describe('data sizes: the host refuses what the CLI refuses', () => {
  let root: string;
  const dirs: Partial<Record<DatasetKind, string>> = {};
  before(() => {
    root = makeTempDir('sizes');
    const idx = path.join(root, 'idx');
    fs.mkdirSync(idx);
    fs.writeFileSync(path.join(idx, 'train-images-idx3-ubyte'), idxImages(6));
    fs.writeFileSync(path.join(idx, 'train-labels-idx1-ubyte'), idxLabels(6));
    fs.writeFileSync(path.join(idx, 't10k-images-idx3-ubyte'), idxImages(2));
    fs.writeFileSync(path.join(idx, 't10k-labels-idx1-ubyte'), idxLabels(2));
    dirs.idx = idx;
    const cifar = path.join(root, 'cifar-10-batches-bin');
    fs.mkdirSync(cifar);
    for (let i = 1; i <= 5; i++) fs.writeFileSync(path.join(cifar, `data_batch_${i}.bin`), Buffer.alloc(3 * 3073));
    fs.writeFileSync(path.join(cifar, 'test_batch.bin'), Buffer.alloc(2 * 3073));
    dirs.cifar10 = cifar;
    // 2 classes of 10 images: 1 of each held out → 18 training and 2 test images.
    const images = path.join(root, 'images');
    for (const c of ['a', 'b']) {
      fs.mkdirSync(path.join(images, c), { recursive: true });
      for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(images, c, `${i}.png`), 'x');
    }
    dirs.imagefolder = images;
  });
  after(() => removeDir(root));

  it('the host states the synthetic set\'s sizes as the trainer does', () => {
    assert.equal(SYNTHETIC_MAX_IMAGES, CLI_SYNTHETIC_MAX);
    assert.equal(SYNTHETIC_TRAIN_IMAGES, SYNTHETIC_DEFAULTS.trainCount);
  });

  /** The trainer's imagefolder reader may not be wired into describeDatasetDir yet; its cases wait for it then. */
  const cliReads = (kind: DatasetKind, dir: string | undefined): boolean => kind !== 'imagefolder' || describeDatasetDir(kind, dir).ok;

  for (const c of CASES) {
    it(c.name, async (t) => {
      const config = { dataset: c.dataset, dataDir: dirs[c.dataset], subset: c.subset ?? 0, testSubset: c.testSubset ?? 0, batchSize: c.batchSize ?? 256, useUnlabeled: false, seed: 0 };
      const check = await checkDatasetFolder(c.dataset, config.dataDir);
      assert.ok(check.ok, check.ok ? '' : check.problem);
      const host = dataSizeProblem(config, check.counts);
      if (c.refused) {
        assert.match(host ?? 'accepted', PATTERN[c.refused]);
        assert.doesNotMatch(host ?? '', /\n/);
      } else {
        assert.equal(host, undefined);
      }
      if (!cliReads(c.dataset, config.dataDir)) {
        t.skip('the trainer does not read imagefolder yet');
        return;
      }
      let cli: string | undefined;
      try {
        checkRunData(config);
      } catch (e) {
        cli = (e as Error).message;
      }
      if (c.refused) assert.match(cli ?? 'accepted', CLI_PATTERN[c.refused]);
      else assert.equal(cli, undefined);
      // The same numbers in both lines.
      if (host && cli) assert.deepEqual(host.match(/\d+/g), cli.match(/\d+/g));
    });
  }
});
