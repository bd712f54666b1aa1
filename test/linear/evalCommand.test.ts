/** `dcl-explorer eval` on a real (tiny) run folder: printed top-1, the recorded event, status and TensorBoard scalar. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/args';
import { runEvalCommand } from '../../src/cli/evalCommand';
import type { LinearEvent } from '../../src/shared/protocol';
import { runTraining } from '../../src/trainer/train';
import { makeRunDir, readEvents, readStatus, tempDir, tinyConfig } from '../helpers/runs';

async function evalCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  await runEvalCommand(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { stdout, stderr };
}

/** The refusal as main() prints it: one line, exit code 2 (a UsageError). */
async function refusal(args: string[]): Promise<string> {
  const e = await evalCli(args).then(
    () => assert.fail(`eval ${args.join(' ')} should have been refused`),
    (err: unknown) => err,
  );
  assert.ok(e instanceof UsageError, String(e));
  assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  return e.message;
}

describe('dcl-explorer eval (linear evaluation of a run)', () => {
  it("prints and records top-1 for the run's checkpoint", async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1 }));
    assert.equal((await runTraining(dir)).state, 'finished');
    const knnBefore = readStatus(dir).final?.knnAccuracy;

    const tensors = tf.memory().numTensors;
    const { stdout, stderr } = await evalCli(['--run-dir', dir]);
    assert.equal(tf.memory().numTensors, tensors, 'no tensor leaks');
    const m = /^linear top-1 (\d+\.\d\d)% after epoch 1 \(λ [\d.e-]+, validation [\d.]+%; 128 train \/ 64 test features; [\d.]+ s\)\n$/.exec(stdout);
    assert.ok(m, stdout);
    assert.match(stderr, /validation top-1/);

    const events = readEvents(dir).filter((e): e is LinearEvent => e.type === 'linear');
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event.step, 4, "the checkpoint's step (128 images / batch 32, one epoch)");
    assert.equal(event.epoch, 1);
    assert.equal((event.accuracy * 100).toFixed(2), m[1]);
    // 10 synthetic digit classes: chance is 10 %; kNN on the same features is far above it.
    assert.ok(event.accuracy > 0.5, `top-1 ${event.accuracy}`);
    assert.ok(event.seconds > 0);
    assert.equal(event.trainSize, 128);
    assert.equal(event.testSize, 64);

    const status = readStatus(dir);
    assert.equal(status.final?.linearAccuracy, event.accuracy);
    assert.equal(status.final?.knnAccuracy, knnBefore, 'the kNN result is kept');
    const tb = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'));
    assert.ok(tb.some((bytes) => bytes.includes('eval/linear_accuracy')), 'a TensorBoard scalar');
    assert.match(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8'), /eval: linear top-1/);

    assert.match(await refusal(['--run-dir', dir, '--epoch', '3']), /eval: the run keeps only its latest checkpoint, from epoch 1; use --epoch 1 or leave --epoch out/);
  });

  it('refuses a folder that is not a run, a run without a checkpoint and a bad epoch, in one line', async () => {
    assert.match(await refusal(['--run-dir', tempDir()]), /eval: .* is not a run folder \(no config.json\)/);
    assert.match(await refusal(['--run-dir', makeRunDir(tinyConfig())]), /eval: .* has no checkpoint yet/);
    assert.match(await refusal(['--run-dir', tempDir(), '--epoch', '1.5']), /not a run folder|--epoch must be an integer/);
    assert.match(await refusal([]), /eval: --run-dir DIR is required/);
  });
});
