/**
 * eval.linear (issue 19, part 2): after the last epoch's kNN evaluation the run trains the linear classifier that
 * `dcl-explorer eval` trains, on the same features, and records it before it is recorded finished.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LinearEvent } from '../../src/shared/protocol';
import { runTraining } from '../../src/trainer/train';
import { makeRunDir, readEvents, readStatus, tinyConfig } from '../helpers/runs';

describe('in-run linear evaluation (eval.linear)', () => {
  it('records a linear event, final.linearAccuracy and the finished event field before finishing', async () => {
    // A first run sets up the backend's own tensors; the leak check compares two runs after it.
    assert.equal((await runTraining(makeRunDir(tinyConfig({ epochs: 1 })))).state, 'finished');
    const before = tf.memory().numTensors;
    assert.equal((await runTraining(makeRunDir(tinyConfig({ epochs: 1 })))).state, 'finished');
    const withoutLinear = tf.memory().numTensors - before;
    const dir = makeRunDir(tinyConfig({ epochs: 1, eval: { linear: true } }));
    const tensors = tf.memory().numTensors;
    const result = await runTraining(dir);
    assert.equal(result.state, 'finished', result.error);
    assert.equal(tf.memory().numTensors - tensors, withoutLinear, 'the linear evaluation leaks no tensor');
    const events = readEvents(dir);
    const linear = events.filter((e): e is LinearEvent => e.type === 'linear');
    assert.equal(linear.length, 1);
    const [event] = linear;
    assert.ok(event.accuracy >= 0 && event.accuracy <= 1, `top-1 ${event.accuracy}`);
    assert.equal(event.step, 4);
    assert.equal(event.epoch, 1);
    assert.equal(event.trainSize, 128);
    assert.equal(event.testSize, 64);
    assert.ok(event.seconds >= 0);
    const types = events.map((e) => e.type);
    const at = types.indexOf('linear');
    assert.equal(types[at - 1] === 'embedding' || types[at - 1] === 'knn', true, `after the last kNN evaluation: ${types.join(',')}`);
    assert.ok(at < types.indexOf('finished'), 'before the run is recorded finished');
    const finished = events.at(-1);
    assert.ok(finished?.type === 'finished');
    assert.equal(finished.linearAccuracy, event.accuracy);
    assert.equal(readStatus(dir).final?.linearAccuracy, event.accuracy);
    assert.equal(result.linearAccuracy, event.accuracy);
    const log = fs.readFileSync(path.join(dir, 'log.txt'), 'utf8');
    assert.match(log, /Z linear top-1 \d+\.\d\d% after epoch 1 \(λ [\d.e-]+, validation [\d.]+%; 128 train \/ 64 test features; [\d.]+ s\)/);
    const tb = fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'));
    assert.ok(tb.some((bytes) => bytes.includes('eval/linear_accuracy')), 'a TensorBoard scalar');
  });

  it('does nothing of the kind when eval.linear is false (the default)', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1 }));
    const result = await runTraining(dir);
    assert.equal(result.state, 'finished', result.error);
    const events = readEvents(dir);
    assert.equal(events.filter((e) => e.type === 'linear').length, 0);
    const finished = events.at(-1);
    assert.ok(finished?.type === 'finished');
    assert.equal('linearAccuracy' in finished, false);
    assert.equal(readStatus(dir).final?.linearAccuracy, undefined);
  });

  it('a stop requested during the linear evaluation abandons it and ends the run stopped, with its checkpoint', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1, eval: { linear: true } }));
    let fitting = false;
    const result = await runTraining(dir, {
      // The first λ's fit has logged: the stop arrives while the evaluation is under way.
      onLog: (line) => void (fitting ||= line.startsWith('linear eval: λ')),
      shouldStop: () => fitting,
      stopWhy: () => 'test',
    });
    assert.equal(result.state, 'stopped', result.error);
    const events = readEvents(dir);
    assert.equal(events.filter((e) => e.type === 'linear').length, 0);
    assert.deepEqual(events.slice(-2).map((e) => e.type), ['checkpoint', 'stopped']);
    const status = readStatus(dir);
    assert.equal(status.state, 'stopped');
    assert.equal(status.step, 4);
    assert.equal(status.final?.linearAccuracy, undefined);
    assert.match(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8'), /linear evaluation abandoned: a stop was requested/);
  });
});
