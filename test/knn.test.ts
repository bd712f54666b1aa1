import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { knnAccuracy, knnPredict } from '../src/trainer/knn';
import { useCpu } from './helpers/tf';

describe('weighted kNN monitor', () => {
  before(useCpu);

  it('predicts by exp(sim/t)-weighted votes of the top-k neighbours (hand-checked)', async () => {
    // Bank: two class-0 points near the x-axis, one class-1 point exactly on the query direction.
    const bank = tf.tensor2d([
      [1, 0.2],
      [1, -0.2],
      [1, 0.05],
    ]);
    const labels = Int32Array.from([0, 0, 1]);
    const query = tf.tensor2d([[1, 0.05]]);
    // k = 1: the nearest neighbour (class 1) wins.
    assert.deepEqual(Array.from(await knnPredict(bank, labels, query, 2, { k: 1, t: 0.1 })), [1]);
    // k = 3 with a soft temperature: two class-0 votes (cos ≈ 0.989, 0.970) outweigh one class-1 vote (cos 1).
    assert.deepEqual(Array.from(await knnPredict(bank, labels, query, 2, { k: 3, t: 1 })), [0]);
    // k = 3 with a sharp temperature: e^(1/0.001) dominates, class 1 wins.
    assert.deepEqual(Array.from(await knnPredict(bank, labels, query, 2, { k: 3, t: 0.001 })), [1]);
    tf.dispose([bank, query]);
  });

  it('k is clipped to the bank size, and similarity is cosine (scale-free)', async () => {
    const bank = tf.tensor2d([[10, 0], [0, 0.1]]);
    const labels = Int32Array.from([3, 1]);
    const queries = tf.tensor2d([[0.001, 0], [0, 50]]);
    const acc = await knnAccuracy(bank, labels, queries, Int32Array.from([3, 1]), 4, { k: 200, t: 0.1 });
    assert.equal(acc, 1);
    tf.dispose([bank, queries]);
  });

  it('chunked evaluation gives the same answer as one block and frees its tensors', async () => {
    const rnd = (() => {
      let s = 7;
      return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    })();
    const m = 300;
    const bankData = Array.from({ length: m }, () => [rnd(), rnd(), rnd(), rnd()]);
    const labels = Int32Array.from(bankData, (r) => (r[0] > 0 ? 1 : 0) + (r[1] > 0 ? 2 : 0));
    const queriesData = Array.from({ length: 57 }, () => [rnd(), rnd(), rnd(), rnd()]);
    const bank = tf.tensor2d(bankData);
    const queries = tf.tensor2d(queriesData);
    const before = tf.memory().numTensors;
    const whole = await knnPredict(bank, labels, queries, 4, { k: 20 });
    const chunked = await knnPredict(bank, labels, queries, 4, { k: 20, maxBlockElements: 5 * m });
    assert.deepEqual(Array.from(chunked), Array.from(whole));
    assert.equal(tf.memory().numTensors, before);
    // Quadrant labels are learnable from the features: kNN must be far above chance (25%).
    const queryLabels = Int32Array.from(queriesData, (r) => (r[0] > 0 ? 1 : 0) + (r[1] > 0 ? 2 : 0));
    assert.ok((await knnAccuracy(bank, labels, queries, queryLabels, 4, { k: 20 })) > 0.7);
    tf.dispose([bank, queries]);
  });

  it('rejects mismatched inputs clearly', async () => {
    const bank = tf.tensor2d([[1, 0]]);
    await assert.rejects(knnPredict(bank, Int32Array.from([0, 1]), bank, 2), /1 features but 2 labels/);
    await assert.rejects(knnPredict(bank, Int32Array.from([0]), tf.tensor2d([[1, 0, 0]]), 2), /widths differ/);
    bank.dispose();
  });
});
