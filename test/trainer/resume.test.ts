import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModelFrom } from '../../src/trainer/checkpoint';
import { ResumeRefused } from '../../src/trainer/resume';
import { runTraining } from '../../src/trainer/train';
import type { RunConfig, RunEvent } from '../../src/shared/protocol';
import type { RunConfigInput } from '../../src/shared/runConfig';
import { makeRunDir, readEvents, readStatus, tempDir, tinyConfig } from '../helpers/runs';

// 128 images / batch 32 = 4 steps per epoch, 2 epochs: 8 steps.
const config = (overrides: RunConfigInput = {}): RunConfig => tinyConfig({ testSubset: 32, knn: { k: 5 }, embeddings: { layers: [] }, ...overrides });

const stepLosses = (events: RunEvent[]): Map<number, number> =>
  new Map(events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss] as [number, number]] : [])));

async function finalWeights(dir: string): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const name of ['encoder', 'head']) {
    const model = await loadModelFrom(path.join(dir, 'checkpoints', 'latest', name));
    for (const w of model.getWeights()) parts.push((await w.data()) as Float32Array);
    model.dispose();
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Trains `cfg` uninterrupted and interrupted-then-resumed; returns the largest loss and weight differences. */
async function compare(cfg: RunConfig, interrupt: (dir: string) => Promise<void>): Promise<{ lossDiff: number; weightDiff: number; resumed: RunEvent[] }> {
  const whole = makeRunDir(cfg);
  assert.equal((await runTraining(whole)).state, 'finished');
  const split = makeRunDir(cfg);
  await interrupt(split);
  const tensorsBefore = tf.memory().numTensors;
  const result = await runTraining(split, {}, { resume: true });
  assert.equal(result.state, 'finished', result.error);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'restoring the checkpoint leaves no tensor behind');
  const events = readEvents(split);
  const expected = stepLosses(readEvents(whole));
  const resumedAt = events.findIndex((e) => e.type === 'resumed');
  assert.ok(resumedAt > 0, 'the resumed event is appended to the same stream');
  const after = stepLosses(events.slice(resumedAt));
  assert.ok(after.size > 0);
  let lossDiff = 0;
  for (const [step, loss] of after) lossDiff = Math.max(lossDiff, Math.abs(loss - expected.get(step)!));
  const [a, b] = [await finalWeights(whole), await finalWeights(split)];
  assert.equal(a.length, b.length);
  let weightDiff = 0;
  for (let i = 0; i < a.length; i++) weightDiff = Math.max(weightDiff, Math.abs(a[i] - b[i]));
  const statusWhole = readStatus(whole);
  const statusSplit = readStatus(split);
  assert.equal(statusSplit.state, 'finished');
  assert.equal(statusSplit.step, statusWhole.step);
  assert.ok(Math.abs(statusSplit.final!.loss! - statusWhole.final!.loss!) < 1e-5);
  // The epoch's mean covers the steps before the stop too.
  const means = (ev: RunEvent[]) => ev.flatMap((e) => (e.type === 'epoch' ? [e.meanLoss] : []));
  const wholeMeans = means(readEvents(whole));
  assert.ok(Math.abs(means(events).at(-1)! - wholeMeans.at(-1)!) < 1e-5);
  return { lossDiff, weightDiff, resumed: events.slice(resumedAt) };
}

describe('resume (wasm backend, tiny synthetic data)', () => {
  it('Adam: stopped mid-epoch at step 3, resumed, reaches the uninterrupted run’s losses and weights', async () => {
    const { lossDiff, weightDiff, resumed } = await compare(config({ seed: 11 }), async (dir) => {
      let steps = 0;
      const r = await runTraining(dir, { shouldStop: () => ++steps >= 3 });
      assert.equal(r.state, 'stopped');
    });
    const event = resumed[0];
    assert.ok(event.type === 'resumed');
    assert.equal(event.step, 3);
    assert.equal(event.epoch, 0);
    assert.equal(event.lostSteps, 0);
    assert.equal(event.from, 'stopped');
    assert.equal(event.totalSteps, 8);
    process.stdout.write(`# Adam resume: max |Δloss| ${lossDiff}, max |Δweight| ${weightDiff}\n`);
    assert.ok(lossDiff < 1e-5, `losses after resuming differ by ${lossDiff}`);
    assert.ok(weightDiff < 1e-5, `final weights differ by ${weightDiff}`);
  });

  it('SGD with momentum: a run whose 6th step aborted resumes from the epoch-1 checkpoint, retrains the lost step and matches', async () => {
    const cfg = config({ seed: 5, optimizer: { kind: 'sgd', lr: 0.05 } });
    const { lossDiff, weightDiff, resumed } = await compare(cfg, async (dir) => {
      // A WebAssembly abort writes no checkpoint of its own (its heap holds the weights), so step 5 is lost.
      const r = await runTraining(dir, { injectRuntimeAbortAtStep: 5 });
      assert.equal(r.state, 'failed');
    });
    const event = resumed[0];
    assert.ok(event.type === 'resumed');
    assert.equal(event.step, 4, 'the last checkpoint is the end of epoch 1');
    assert.equal(event.epoch, 1);
    assert.equal(event.lostSteps, 1, 'step 5 had been logged before the failure at the 6th step');
    assert.equal(event.from, 'failed');
    process.stdout.write(`# SGD resume: max |Δloss| ${lossDiff}, max |Δweight| ${weightDiff}\n`);
    assert.ok(lossDiff < 1e-5, `losses after resuming differ by ${lossDiff}`);
    assert.ok(weightDiff < 1e-5, `final weights differ by ${weightDiff}`);
  });

  it('SGD with momentum: a non-finite loss at the 6th step leaves a checkpoint of step 5, which resumes losing nothing and matches', async () => {
    const cfg = config({ seed: 5, optimizer: { kind: 'sgd', lr: 0.05 } });
    const { lossDiff, weightDiff, resumed } = await compare(cfg, async (dir) => {
      const r = await runTraining(dir, { injectNonFiniteAtStep: 5 });
      assert.equal(r.error, 'non-finite loss at step 5; checkpoint of step 5 written');
    });
    const event = resumed[0];
    assert.ok(event.type === 'resumed');
    assert.equal(event.step, 5);
    assert.equal(event.epoch, 1);
    assert.equal(event.lostSteps, 0);
    assert.equal(event.from, 'failed');
    process.stdout.write(`# SGD resume after a non-finite loss: max |Δloss| ${lossDiff}, max |Δweight| ${weightDiff}\n`);
    assert.ok(lossDiff < 1e-5, `losses after resuming differ by ${lossDiff}`);
    assert.ok(weightDiff < 1e-5, `final weights differ by ${weightDiff}`);
  });

  describe('refusals: one line, the folder unchanged', () => {
    const snapshot = (dir: string) =>
      fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => {
        const p = path.join(dir, String(f));
        return fs.statSync(p).isFile() ? `${f}:${fs.readFileSync(p, 'utf8').length}:${fs.statSync(p).mtimeMs}` : String(f);
      }) : [];
    const refuses = async (dir: string, pattern: RegExp) => {
      const before = snapshot(dir);
      await assert.rejects(runTraining(dir, {}, { resume: true }), (e: Error) => {
        assert.ok(e instanceof ResumeRefused, e.stack);
        assert.match(e.message, pattern);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      });
      assert.deepEqual(snapshot(dir), before);
    };
    const withStatus = (status: object, extra: (dir: string) => void = () => undefined) => {
      const dir = makeRunDir(config());
      fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ schemaVersion: 1, createdAt: new Date().toISOString(), ...status }));
      extra(dir);
      return dir;
    };

    it('a folder that is not a run', async () => {
      const dir = tempDir('dcl-not-a-run-');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
      await refuses(dir, /is not a run folder/);
    });
    it('a running run whose trainer is alive', async () => {
      await refuses(withStatus({ state: 'running', pid: process.ppid }), /is running \(process \d+\); stop it first/);
    });
    it('a finished run', async () => {
      await refuses(withStatus({ state: 'finished', epoch: 2 }), /finished at epoch 2; there is nothing left to train/);
    });
    it('a stopped run without a checkpoint', async () => {
      await refuses(withStatus({ state: 'stopped' }), /has no checkpoint/);
    });
    it('an interrupted run whose checkpoint predates resume (weights only)', async () => {
      const dir = withStatus({ state: 'running', pid: 2 ** 22 + 12345 }, (d) => {
        fs.mkdirSync(path.join(d, 'checkpoints', 'latest'), { recursive: true });
        fs.writeFileSync(path.join(d, 'checkpoints', 'latest', 'checkpoint.json'), JSON.stringify({ step: 4, epoch: 1, time: '' }));
      });
      await refuses(dir, /holds only the weights/);
    });
  });
});
