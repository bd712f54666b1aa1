/**
 * The linear classifier against an independent reference: plain full-batch gradient descent in float64, written
 * here, on the same objective (mean cross-entropy + λ/2·‖W‖², bias unpenalised) run to a tiny gradient. The
 * L-BFGS fit on the tfjs backend must reach the same objective value and the same predictions.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfTypes from '@tensorflow/tfjs';
import { linearEvaluation } from '../../src/trainer/linear/linearEval';
import { accuracyOf, fitSoftmaxRegression, predictSoftmax } from '../../src/trainer/linear/softmaxRegression';
import { assertClose, seededNormal, useCpu } from '../helpers/tf';

let tf: typeof tfTypes;
before(async () => {
  tf = await useCpu();
});

/** `perClass` points around each of `centres` (unit vectors far apart), Gaussian noise of scale `spread`. */
function clusters(centres: number[][], perClass: number, spread: number, seed: number): { x: number[][]; y: number[] } {
  const normal = seededNormal(seed);
  const x: number[][] = [];
  const y: number[] = [];
  centres.forEach((c, label) => {
    for (let i = 0; i < perClass; i++) {
      x.push(c.map((v) => v + spread * normal()));
      y.push(label);
    }
  });
  return { x, y };
}

const CENTRES = [
  [1, 0, 0, 0.2],
  [0, 1, 0, -0.2],
  [0, 0, 1, 0.1],
];

/** Objective and gradient in float64, written independently of the code under test. */
function reference(x: number[][], y: number[], k: number, lambda: number, w: Float64Array, b: Float64Array) {
  const n = x.length;
  const d = x[0].length;
  let value = 0;
  const gw = new Float64Array(d * k);
  const gb = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, (_, c) => b[c] + x[i].reduce((s, v, j) => s + v * w[j * k + c], 0));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    value += (lse - z[y[i]]) / n;
    for (let c = 0; c < k; c++) {
      const r = (Math.exp(z[c] - lse) - (c === y[i] ? 1 : 0)) / n;
      gb[c] += r;
      for (let j = 0; j < d; j++) gw[j * k + c] += x[i][j] * r;
    }
  }
  for (let i = 0; i < w.length; i++) {
    value += 0.5 * lambda * w[i] * w[i];
    gw[i] += lambda * w[i];
  }
  return { value, gw, gb };
}

function referenceFit(x: number[][], y: number[], k: number, lambda: number) {
  const w = new Float64Array(x[0].length * k);
  const b = new Float64Array(k);
  // Features have norm ≈ 1, so the gradient's Lipschitz constant is below 1 + λ: a unit step is safe.
  for (let it = 0; it < 200_000; it++) {
    const { gw, gb } = reference(x, y, k, lambda, w, b);
    const big = Math.max(...gw.map(Math.abs), ...gb.map(Math.abs));
    if (big < 1e-10) break;
    for (let i = 0; i < w.length; i++) w[i] -= gw[i];
    for (let c = 0; c < k; c++) b[c] -= gb[c];
  }
  return { w, b, value: reference(x, y, k, lambda, w, b).value };
}

function refPredict(x: number[][], k: number, w: Float64Array, b: Float64Array): number[] {
  return x.map((row) => {
    const z = Array.from({ length: k }, (_, c) => b[c] + row.reduce((s, v, j) => s + v * w[j * k + c], 0));
    return z.indexOf(Math.max(...z));
  });
}

describe('linear evaluation: softmax regression', () => {
  it('reaches the float64 gradient-descent optimum: same objective, same weights, same predictions', async () => {
    // Overlapping clusters, so the optimum is interior and the comparison is not just "both separate".
    const { x, y } = clusters(CENTRES, 20, 0.5, 7);
    const lambda = 0.01;
    const ref = referenceFit(x, y, 3, lambda);
    const features = tf.tensor2d(x);
    const before = tf.memory().numTensors;
    const fit = await fitSoftmaxRegression(features, Int32Array.from(y), 3, { weightDecay: lambda });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    // The fit's own objective is computed in float32 on the backend; the reference's at the fit's weights in float64.
    assertClose(fit.objective, ref.value, 1e-5, 0, 'objective reported by the fit');
    assertClose(reference(x, y, 3, lambda, fit.model.weights, fit.model.bias).value, ref.value, 1e-6, 0, 'reference objective at the fit');
    for (let i = 0; i < ref.w.length; i++) assertClose(fit.model.weights[i], ref.w[i], 0, 2e-3, `W[${i}]`);
    const predicted = await predictSoftmax(fit.model, features);
    assert.deepEqual([...predicted], refPredict(x, 3, ref.w, ref.b));
    assert.ok(accuracyOf(predicted, Int32Array.from(y)) < 1, 'the clusters overlap: the test is not trivially separable');
    features.dispose();
  });

  it('classifies separable clusters perfectly after L2 normalisation, choosing λ on a held-out split', async () => {
    const train = clusters(CENTRES, 40, 0.05, 1);
    const test = clusters(CENTRES, 15, 0.05, 2);
    // Scaled rows: linear evaluation must normalise them, so the scale cannot matter.
    const trainX = tf.tensor2d(train.x.map((r, i) => r.map((v) => v * (1 + (i % 5)))));
    const testX = tf.tensor2d(test.x.map((r) => r.map((v) => v * 30)));
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const result = await linearEvaluation(
      { features: trainX, labels: Int32Array.from(train.y) },
      { features: testX, labels: Int32Array.from(test.y) },
      3,
      { seed: 0, weightDecays: [1e-2, 1e-4], onLog: (l) => lines.push(l) },
    );
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    assert.equal(result.accuracy, 1);
    assert.equal(result.validationAccuracy, 1);
    assert.deepEqual(result.validation.map((v) => v.weightDecay), [1e-2, 1e-4]);
    assert.equal(result.weightDecay, 1e-2, 'a tie keeps the stronger penalty');
    assert.equal(result.trainSize, 120);
    assert.equal(result.testSize, 45);
    assert.equal(result.featureDim, 4);
    assert.equal(lines.length, 3);
    tf.dispose([trainX, testX]);
  });

  it('refuses labels outside the classes and a split with no validation rows', async () => {
    const x = tf.tensor2d([[1, 0], [0, 1]]);
    await assert.rejects(fitSoftmaxRegression(x, Int32Array.from([0, 2]), 2, { weightDecay: 0.1 }), /label 2 is outside 0..1/);
    await assert.rejects(
      linearEvaluation({ features: x, labels: Int32Array.from([0, 1]) }, { features: x, labels: Int32Array.from([0, 1]) }, 2, { seed: 0 }),
      /2 training features cannot be split 90\/10/,
    );
    x.dispose();
  });
});
