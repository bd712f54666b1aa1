import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runTraining } from '../../src/trainer/train';
import { loadModelFrom } from '../../src/trainer/checkpoint';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunEvent } from '../../src/shared/protocol';
import { makeRunDir, readEvents, readStatus, tinyConfig } from '../helpers/runs';
import { tempDir as tempDataDir, writeStl10 } from '../data/formats';

describe('a training run (in process, wasm backend, tiny synthetic data)', () => {
  it('writes a complete run folder: events in order, status, checkpoint', async () => {
    const dir = makeRunDir(tinyConfig());
    const seen: RunEvent[] = [];
    const result = await runTraining(dir, { onEvent: (e) => seen.push(e) });
    assert.equal(result.state, 'finished', result.error);
    const events = readEvents(dir);
    assert.deepEqual(events, seen, 'hooks see exactly what is on disk');
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'started');
    assert.equal(types[1], 'knn', 'kNN is evaluated before the first step');
    assert.equal(events[1].step, 0);
    assert.equal(types.at(-1), 'finished');
    // 128 images / batch 32 = 4 steps per epoch, 2 epochs, logging every step.
    const steps = events.filter((e) => e.type === 'step');
    assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(events.filter((e) => e.type === 'npc').length, 8);
    assert.deepEqual(events.filter((e) => e.type === 'knn').map((e) => e.epoch), [0, 1, 2]);
    assert.deepEqual(events.filter((e) => e.type === 'epoch').map((e) => e.epoch), [1, 2]);
    for (const e of events) {
      assert.equal(typeof e.time, 'string');
      assert.ok(!Number.isNaN(Date.parse(e.time)));
    }
    const npc = events.find((e) => e.type === 'npc');
    assert.ok(npc && npc.type === 'npc');
    assert.equal(npc.summary.count, 64, '2N multipliers per batch');
    assert.equal(npc.summary.histogram.reduce((a, b) => a + b, 0), 64);
    assert.ok(npc.summary.mean > 0 && npc.summary.mean < 1);
    const started = events[0];
    assert.ok(started.type === 'started');
    assert.equal(started.backend.name, 'wasm');
    assert.equal(started.totalSteps, 8);

    const status = readStatus(dir);
    assert.equal(status.state, 'finished');
    assert.equal(status.backend?.name, 'wasm');
    assert.ok(Number.isInteger(status.backend?.threads) && status.backend.threads! >= 1, 'the thread pool size is recorded');
    assert.equal(started.backend.threads, status.backend?.threads);
    // Which kernels computed the run: the native ones wherever the details say they were in use.
    const nativeInUse = status.backend.details.some((d) => d.startsWith('native GEMM/conv kernels'));
    assert.equal(status.backend?.native !== undefined, nativeInUse, status.backend.details.join('; '));
    if (process.env.CI) assert.ok(status.backend?.native, 'CI has a C compiler, so the native kernels are recorded');
    assert.deepEqual(started.backend.native, status.backend?.native);
    assert.equal(status.step, 8);
    assert.ok(status.final && Number.isFinite(status.final.loss) && status.final.knnAccuracy! >= 0);
    assert.ok(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8').includes('finished at step 8'));

    const encoder = await loadModelFrom(path.join(dir, 'checkpoints', 'latest', 'encoder'));
    const out = encoder.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(out.shape, [2, 1024]);
    out.dispose();
    encoder.dispose();
  });

  it('learns: the loss falls over training', async () => {
    const dir = makeRunDir(tinyConfig({ subset: 256, epochs: 3, optimizer: { lr: 3e-3 } }));
    const result = await runTraining(dir);
    assert.equal(result.state, 'finished', result.error);
    const epochs = readEvents(dir).filter((e) => e.type === 'epoch');
    const first = epochs[0].type === 'epoch' ? epochs[0].meanLoss : NaN;
    const last = epochs.at(-1)!.type === 'epoch' ? (epochs.at(-1) as { meanLoss: number }).meanLoss : NaN;
    assert.ok(last < first, `mean loss per epoch should fall: ${first} → ${last}`);
  });

  it('is reproducible: the same config and seed give the same first-epoch numbers', async () => {
    const losses = async (seed: number) => {
      const dir = makeRunDir(tinyConfig({ epochs: 1, seed }));
      const r = await runTraining(dir);
      assert.equal(r.state, 'finished', r.error);
      return readEvents(dir)
        .filter((e) => e.type === 'step' || e.type === 'knn')
        .map((e) => (e.type === 'step' ? e.loss : e.type === 'knn' ? e.accuracy : NaN));
    };
    const a = await losses(7);
    const b = await losses(7);
    const c = await losses(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('keeps tf.memory().numTensors flat across steps', async () => {
    const dir = makeRunDir(tinyConfig({ subset: 192, epochs: 2 }));
    const counts: number[] = [];
    const result = await runTraining(dir, { onEvent: (e) => e.type === 'step' && counts.push(tf.memory().numTensors) });
    assert.equal(result.state, 'finished', result.error);
    assert.ok(counts.length >= 10);
    // After the first steps (optimizer slots are created lazily), the count must not move.
    const steady = counts.slice(2);
    assert.deepEqual(steady, steady.map(() => steady[0]), `tensor counts per step: ${counts.join(', ')}`);
  });

  it('stops on a non-finite loss and says so, keeping the steps before it in a checkpoint', async () => {
    const dir = makeRunDir(tinyConfig());
    const result = await runTraining(dir, { injectNonFiniteAtStep: 2 });
    assert.equal(result.state, 'failed');
    assert.equal(result.error, 'non-finite loss at step 2; checkpoint of step 2 written');
    const events = readEvents(dir);
    const last = events.at(-1)!;
    assert.equal(last.type, 'failed');
    assert.equal(last.type === 'failed' && last.reason, 'non-finite loss at step 2; checkpoint of step 2 written');
    assert.equal(events.filter((e) => e.type === 'step').length, 2, 'steps before the failure are kept');
    const status = readStatus(dir);
    assert.equal(status.state, 'failed');
    assert.equal(status.error, 'non-finite loss at step 2; checkpoint of step 2 written');
  });

  it('a stop request finishes the step, checkpoints and ends as stopped', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 5 }));
    let steps = 0;
    const result = await runTraining(dir, { onEvent: (e) => e.type === 'step' && steps++, shouldStop: () => steps >= 3 });
    assert.equal(result.state, 'stopped');
    const events = readEvents(dir);
    assert.equal(events.at(-1)!.type, 'stopped');
    assert.ok(events.some((e) => e.type === 'checkpoint'));
    assert.equal(readStatus(dir).state, 'stopped');
    assert.ok(fs.existsSync(path.join(dir, 'checkpoints', 'latest', 'head', 'model.json')));
  });

  it('bad configs fail the run with the problem named, before any step', async () => {
    const dir = makeRunDir({ ...tinyConfig(), batchSize: 1000 });
    const result = await runTraining(dir);
    assert.equal(result.state, 'failed');
    assert.match(result.error!, /batch size 1000 is larger than the 128 training images; lower batchSize \(--batch-size\)/);
    const bad = makeRunDir({ ...tinyConfig(), loss: 'nope' as 'dcl' });
    const r2 = await runTraining(bad);
    assert.match(r2.error!, /config.json: invalid run config: loss must be one of infonce, dcl, dclw; got "nope"/);
    assert.equal(readStatus(bad).state, 'failed');
  });

  it('an explicit backend that cannot load fails with the reason and the fix', async () => {
    const dir = makeRunDir(tinyConfig({ backend: 'tensorflow' }));
    const r = await runTraining(dir);
    assert.equal(r.state, 'failed');
    assert.match(r.error!, /backend "tensorflow" could not be loaded: .*Fix: install it with "npm install @tensorflow\/tfjs-node"/);
  });

  it('a reader of metrics.jsonl tolerates a torn last line while the run writes', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1 }));
    await runTraining(dir);
    const file = path.join(dir, 'metrics.jsonl');
    const whole = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '{"step":99,"epoch":1,"ti');
    const parsed = parseEventLines(fs.readFileSync(file, 'utf8'));
    assert.equal(parsed.events.length, whole.trim().split('\n').length);
    assert.deepEqual(parsed.badLines, []);
  });
});

describe('training on on-disk formats', () => {
  it('STL-10 with useUnlabeled trains on train + unlabeled images, kNN on the labelled splits', async () => {
    const { dir: dataDir, cleanup } = tempDataDir('dcl-stl-');
    try {
      writeStl10(dataDir, 24, 16, 40);
      const dir = makeRunDir(tinyConfig({ dataset: 'stl10', dataDir, useUnlabeled: true, subset: 0, testSubset: 0, batchSize: 16, epochs: 1, knn: { k: 5 } }));
      const r = await runTraining(dir);
      assert.equal(r.state, 'finished', r.error);
      const started = readEvents(dir)[0];
      assert.ok(started.type === 'started');
      assert.equal(started.trainSize, 64, '24 labelled + 40 unlabeled images in the training pool');
      assert.equal(started.totalSteps, 4);
      assert.equal(started.testSize, 16);
    } finally {
      cleanup();
    }
  });

  it('useUnlabeled on a dataset without an unlabeled split is a config error', async () => {
    const dir = makeRunDir({ ...tinyConfig(), useUnlabeled: true });
    const r = await runTraining(dir);
    assert.match(r.error!, /useUnlabeled needs dataset "stl10"/);
  });
});
