/**
 * The fast batch norm against tf.layers' own BatchNormalization: training outputs, gradients (x, γ, β),
 * moving statistics, inference, serialisation and tensor leaks, on the cpu and wasm backends.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { FastBatchNormalization, batchNormalization } from '../src/trainer/batchNorm';
import { initBackend } from '../src/trainer/backend';
import { assertAllClose, seededNormal } from './helpers/tf';

function randomTensor(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  const rnd = seededNormal(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => offset + scale * rnd()), shape);
}

/** A one-layer model around `layer`, with γ, β and the moving statistics set to non-trivial values. */
function wrap(layer: tf.layers.Layer, shape: number[]): tf.LayersModel {
  const input = tf.input({ shape: shape.slice(1) });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const c = shape[shape.length - 1];
  // Weight order of BatchNormalization: gamma, beta, moving_mean, moving_variance.
  model.setWeights([randomTensor([c], 11, 0.3, 1), randomTensor([c], 12, 0.5), randomTensor([c], 13), tf.abs(randomTensor([c], 14, 1, 1))]);
  return model;
}

interface Outcome {
  y: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** One training-mode forward + backward of sum(y·w) through `layer`. */
function trainOnce(layer: tf.layers.Layer, shape: number[], x: tf.Tensor): Outcome {
  const model = wrap(layer, shape);
  const w = randomTensor(shape, 21);
  const [gamma, beta] = model.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
  // Each training-mode call updates the moving statistics once, for both layers alike.
  const out = tf.tidy(() => ({
    y: model.apply(x, { training: true }) as tf.Tensor,
    grads: tf.grads((xIn, g, b) => tf.sum(tf.mul(applyWith(model, xIn, g, b), w)))([x, gamma.clone(), beta.clone()]),
  }));
  const result: Outcome = {
    y: out.y.dataSync() as Float32Array,
    dx: out.grads[0].dataSync() as Float32Array,
    dGamma: out.grads[1].dataSync() as Float32Array,
    dBeta: out.grads[2].dataSync() as Float32Array,
    movingMean: model.getWeights()[2].dataSync() as Float32Array,
    movingVariance: model.getWeights()[3].dataSync() as Float32Array,
  };
  tf.dispose([out.y, ...out.grads, w]);
  model.dispose();
  return result;
}

/** Applies the model's single layer with γ and β given as tensors (so tf.grads sees them as inputs). */
function applyWith(model: tf.LayersModel, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const layer = model.layers[1] as unknown as { gamma: { read: () => tf.Tensor }; beta: { read: () => tf.Tensor } };
  const saved = [layer.gamma.read, layer.beta.read];
  layer.gamma.read = () => gamma;
  layer.beta.read = () => beta;
  try {
    return model.apply(x, { training: true }) as tf.Tensor;
  } finally {
    [layer.gamma.read, layer.beta.read] = saved;
  }
}

const SHAPES = [
  [3, 5, 4, 6],
  [2, 7, 3, 1],
  [9, 5],
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fast batch norm on ${backend}`, () => {
    before(async () => {
      await initBackend(backend);
    });

    for (const shape of SHAPES) {
      test(`training output, gradients and moving statistics match the stock layer for [${shape}]`, () => {
        // An offset mean and a large scale make a one-pass variance formula visibly wrong.
        const x = randomTensor(shape, 1, 2, 1000);
        const stock = trainOnce(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), shape, x);
        const fast = trainOnce(batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), shape, x);
        x.dispose();
        for (const key of Object.keys(stock) as (keyof Outcome)[]) {
          const scale = Math.max(1e-3, ...Array.from(stock[key], Math.abs));
          assertAllClose(fast[key], stock[key], 1e-4, 1e-4 * scale, `${key} [${shape}]`);
        }
      });
    }

    test('inference uses the moving statistics, as the stock layer does', () => {
      const shape = [4, 3, 3, 5];
      const x = randomTensor(shape, 3);
      const stock = wrap(tf.layers.batchNormalization({}), shape);
      const fast = wrap(batchNormalization({}), shape);
      const a = tf.tidy(() => (stock.predict(x) as tf.Tensor).dataSync());
      const b = tf.tidy(() => (fast.predict(x) as tf.Tensor).dataSync());
      assertAllClose(b, a, 1e-6, 1e-6, 'inference');
      tf.dispose([x]);
      stock.dispose();
      fast.dispose();
    });

    test('a training step with gradients leaves no tensors behind', () => {
      const shape = [4, 3, 3, 5];
      const model = wrap(batchNormalization({}), shape);
      const x = randomTensor(shape, 4);
      const vars = model.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
      const step = () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)), vars);
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      step();
      step();
      assert.equal(tf.memory().numTensors, before);
      x.dispose();
      model.dispose();
    });
  });
}

describe('fast batch norm serialisation', () => {
  test('saves as a standard BatchNormalization and loads back as the fast class', async () => {
    await initBackend('cpu');
    const model = wrap(batchNormalization({ name: 'bn', epsilon: 1e-5 }), [2, 4]);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const topology = JSON.stringify(saved!.modelTopology);
    assert.match(topology, /"class_name":"BatchNormalization"/);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    assert.ok(loaded.layers[1] instanceof FastBatchNormalization, 'loaded layer is the fast class');
    assertAllClose(loaded.getWeights()[2].dataSync(), model.getWeights()[2].dataSync(), 0, 0, 'moving mean');
    model.dispose();
    loaded.dispose();
  });
});
