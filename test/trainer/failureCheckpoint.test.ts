/**
 * A failed run keeps its last good step (issue 18): with steps done since the last checkpoint and sound weights, a
 * checkpoint of that step is written and named in the reason, and --resume continues from it; with weights in doubt
 * (a WebAssembly abort) nothing is written and the reason names the checkpoint that is intact; a checkpoint write
 * that fails too is added to the original reason, never put in its place.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTraining } from '../../src/trainer/train';
import type { RunEvent } from '../../src/shared/protocol';
import { makeRunDir, readEvents, readStatus, tinyConfig } from '../helpers/runs';

/** 128 images / batch 32: 4 steps an epoch, a checkpoint at the end of each epoch but the last. */
const config = () => tinyConfig({ epochs: 3 });

function checkpointOf(dir: string): { step: number; epoch: number; resume: { stepInEpoch: number } } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest', 'checkpoint.json'), 'utf8')) as { step: number; epoch: number; resume: { stepInEpoch: number } };
}

async function failedReason(dir: string, hooks: Parameters<typeof runTraining>[1]): Promise<string> {
  const result = await runTraining(dir, hooks);
  assert.equal(result.state, 'failed', result.error);
  const status = readStatus(dir);
  assert.equal(status.state, 'failed');
  const last = readEvents(dir).at(-1);
  assert.ok(last?.type === 'failed');
  assert.equal(last.reason, status.error);
  assert.equal(result.error, status.error);
  return status.error!;
}

const lossAt = (events: RunEvent[], step: number): number => {
  const e = events.filter((x) => x.type === 'step' && x.step === step).at(-1);
  assert.ok(e?.type === 'step', `a step event at ${step}`);
  return e.loss;
};

describe('a failed run writes a checkpoint of its last good step', () => {
  it('a non-finite loss mid-epoch: the step before it is checkpointed, and --resume ends where an unbroken run ends', async () => {
    const dir = makeRunDir(config());
    assert.equal(await failedReason(dir, { injectNonFiniteAtStep: 6 }), 'non-finite loss at step 6; checkpoint of step 6 written');
    const cp = checkpointOf(dir);
    assert.deepEqual([cp.step, cp.epoch, cp.resume.stepInEpoch], [6, 1, 2]);
    const resumed = await runTraining(dir, {}, { resume: true });
    assert.equal(resumed.state, 'finished', resumed.error);
    const whole = makeRunDir(config());
    assert.equal((await runTraining(whole)).state, 'finished');
    // The failed step was never applied, so the resumed run trains exactly the steps the unbroken one did.
    assert.equal(lossAt(readEvents(dir), 12), lossAt(readEvents(whole), 12));
    assert.equal(readStatus(dir).step, 12);
  });

  it('nothing trained since the last checkpoint: none is written, the reason names the intact one', async () => {
    const dir = makeRunDir(config());
    assert.equal(await failedReason(dir, { injectNonFiniteAtStep: 4 }), 'non-finite loss at step 4; the step-4 checkpoint is intact');
    assert.equal(checkpointOf(dir).step, 4);
    assert.equal(readEvents(dir).filter((e) => e.type === 'checkpoint').length, 1);
  });

  it('an error thrown in the loop outside a step keeps the completed step', async () => {
    const dir = makeRunDir(config());
    const reason = await failedReason(dir, {
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 7) throw new Error('the event consumer broke');
      },
    });
    assert.equal(reason, 'the event consumer broke; checkpoint of step 7 written');
    assert.deepEqual([checkpointOf(dir).step, checkpointOf(dir).resume.stepInEpoch], [7, 3]);
  });

  it('a WebAssembly abort writes nothing (its heap holds the weights) and says which checkpoint is intact', async () => {
    const dir = makeRunDir(config());
    const reason = await failedReason(dir, { injectRuntimeAbortAtStep: 6 });
    assert.match(reason, /^the WebAssembly heap \(4 GiB at most\) ran out at step 7 .*; no checkpoint of step 6 written \(the WebAssembly runtime aborted, so the weights in its memory may be damaged\); the step-4 checkpoint is intact$/);
    assert.equal(checkpointOf(dir).step, 4);
    const early = makeRunDir(config());
    assert.match(await failedReason(early, { injectRuntimeAbortAtStep: 2 }), /; no checkpoint of step 2 written \(.*\); there is no earlier checkpoint$/);
    assert.ok(!fs.existsSync(path.join(early, 'checkpoints', 'latest')));
  });

  it('a checkpoint that cannot be written is added to the original reason, not put in its place', async () => {
    const dir = makeRunDir(config());
    const checkpoints = path.join(dir, 'checkpoints');
    const reason = await failedReason(dir, {
      injectNonFiniteAtStep: 3,
      onEvent: (e) => {
        // Where the checkpoint would go is a file now, so its write fails (as a full disk would make it).
        if (e.type === 'step' && e.step === 2) {
          fs.rmSync(checkpoints, { recursive: true, force: true });
          fs.writeFileSync(checkpoints, '');
        }
      },
    });
    assert.match(reason, /^non-finite loss at step 3; cannot write the checkpoint at step 3 \(ENOTDIR\); no earlier checkpoint exists$/);
  });
});
