import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  applyModel,
  buildEncoder,
  buildProjectionHead,
  convGradientsAvailable,
  featureDim,
  missingConvGradientKernels,
} from '../src/trainer/encoders';
import { initBackend } from '../src/trainer/backend';
import { installFastWasm, uninstallFastWasm } from '../src/trainer/fastWasm';
import { LazyGradConv2D, conv2d } from '../src/trainer/lazyConv2d';
import { assertAllClose, seededNormal, useCpu } from './helpers/tf';

function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

function randomInput(shape: number[], seed: number): tf.Tensor {
  const rnd = seededNormal(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rnd()), shape);
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('encoders', () => {
  before(useCpu);

  it('feature widths', () => {
    assert.equal(featureDim('mlp'), 1024);
    assert.equal(featureDim('cnn'), 128);
    assert.equal(featureDim('resnet18'), 512);
  });

  for (const kind of ['mlp', 'cnn'] as const) {
    for (const inputShape of [
      [28, 28, 1],
      [32, 32, 3],
    ] as [number, number, number][]) {
      it(`${kind} maps [N, ${inputShape}] images to [N, ${featureDim(kind)}] features`, () => {
        const model = buildEncoder(kind, inputShape, 1);
        const shape = tf.tidy(() => applyModel(model, tf.zeros([3, ...inputShape]), false).shape);
        assert.deepEqual(shape, [3, featureDim(kind)]);
        model.dispose();
      });
    }
  }

  it('mlp and cnn have the expected parameter counts', () => {
    const mlp = buildEncoder('mlp', [28, 28, 1], 1);
    assert.equal(trainableParams(mlp), 784 * 1024 + 1024 + 1024 * 1024 + 1024);
    const cnn = buildEncoder('cnn', [32, 32, 3], 1);
    // conv kernels without bias + batch-norm γ, β per block.
    assert.equal(trainableParams(cnn), 9 * 3 * 32 + 9 * 32 * 64 + 9 * 64 * 128 + 2 * (32 + 64 + 128));
    mlp.dispose();
    cnn.dispose();
  });

  it('resnet18 (CIFAR stem) has ResNet-18’s 11.17M parameters and maps [1, 32, 32, 3] to [1, 512]', () => {
    const model = buildEncoder('resnet18', [32, 32, 3], 1);
    // The PyTorch CIFAR ResNet-18 without its 10-class fc: 11,173,962 − 5,130.
    assert.equal(trainableParams(model), 11_168_832);
    const out = tf.tidy(() => applyModel(model, randomInput([1, 32, 32, 3], 2), false).dataSync());
    assert.equal(out.length, 512);
    assert.ok(out.every(Number.isFinite));
    // The MNIST shape builds too (28 → 14 → 7 → 4 with 'same' padding).
    const mnist = buildEncoder('resnet18', [28, 28, 1], 1);
    assert.deepEqual(mnist.outputs[0].shape, [null, 512]);
    model.dispose();
    mnist.dispose();
  });

  it('initialises deterministically from the seed, with stable weight names', () => {
    const a = buildEncoder('cnn', [16, 16, 3], 7);
    const b = buildEncoder('cnn', [16, 16, 3], 7);
    const c = buildEncoder('cnn', [16, 16, 3], 8);
    const [wa, wb, wc] = [a, b, c].map(weightValues);
    wa.forEach((w, i) => assert.deepEqual(w, wb[i], `weight ${i} differs between two builds with seed 7`));
    const kernel = a.weights.findIndex((w) => w.originalName.endsWith('kernel'));
    assert.notDeepEqual(wa[kernel], wc[kernel]);
    assert.deepEqual(
      a.weights.map((w) => w.originalName),
      b.weights.map((w) => w.originalName),
    );
    // Layers of one model draw distinct seeds: two kernels of equal shape must differ.
    const h = buildProjectionHead(8, [8, 8, 8], 3);
    const kernels = h.getWeights().filter((w) => w.shape.length === 2);
    assert.notDeepEqual(kernels[1].dataSync(), kernels[2].dataSync());
    [a, b, c, h].forEach((m) => m.dispose());
  });

  it('projection head: relu hidden layers, linear output of the last size', () => {
    const head = buildProjectionHead(1024, [512, 128], 5);
    const out = tf.tidy(() => applyModel(head, randomInput([4, 1024], 1), false));
    assert.deepEqual(out.shape, [4, 128]);
    // A linear last layer produces negative embedding entries; a relu one could not.
    assert.ok((out.dataSync() as Float32Array).some((v) => v < 0));
    out.dispose();
    const activations = head.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.getConfig().activation);
    assert.deepEqual(activations, ['relu', 'linear']);
    assert.throws(() => buildProjectionHead(16, [], 1), /projection sizes/);
    head.dispose();
  });

  it('rejects unknown encoders and bad shapes', () => {
    assert.throws(() => buildEncoder('vit' as never, [8, 8, 1], 1), /unknown encoder "vit"/);
    assert.throws(() => buildEncoder('cnn', [8, 0, 1], 1), /input shape/);
  });

  it('a training step on cpu lowers a simple loss and updates the batch-norm statistics', () => {
    const encoder = buildEncoder('cnn', [8, 8, 1], 11);
    const head = buildProjectionHead(featureDim('cnn'), [16, 4], 12);
    const x = randomInput([6, 8, 8, 1], 3);
    const target = randomInput([6, 4], 4);
    const optimizer = tf.train.adam(0.01);
    const movingMean = encoder.weights.find((w) => w.originalName.includes('moving_mean'));
    assert.ok(movingMean);
    const meanBefore = movingMean.read().dataSync().slice();
    const loss = () => tf.losses.meanSquaredError(target, applyModel(head, applyModel(encoder, x, true), true)) as tf.Scalar;
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const l = optimizer.minimize(loss, true) as tf.Scalar;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    assert.ok(losses[9] < 0.8 * losses[0], `loss went ${losses[0]} → ${losses[9]}`);
    assert.notDeepEqual(movingMean.read().dataSync(), meanBefore);
    tf.dispose([x, target]);
    optimizer.dispose();
    encoder.dispose();
    head.dispose();
  });

  it('conv layers give the stock layer\'s output and weight gradients without computing the images\' gradient', async () => {
    for (const config of [
      { filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false },
      { filters: 3, kernelSize: 2, strides: 1, padding: 'valid', useBias: false },
      { filters: 3, kernelSize: 3, strides: 1, padding: 'same', useBias: true }, // the stock path (fused with its bias)
    ] as Parameters<typeof tf.layers.conv2d>[0][]) {
      const build = (make: typeof conv2d) => {
        const input = tf.input({ shape: [9, 9, 2] });
        const model = tf.model({ inputs: input, outputs: make({ ...config, kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) }).apply(input) as tf.SymbolicTensor });
        return model;
      };
      const lazy = build(conv2d);
      const stock = build((a) => tf.layers.conv2d(a));
      assert.ok(lazy.layers[1] instanceof LazyGradConv2D);
      const x = randomInput([3, 9, 9, 2], 8);
      const run = (m: tf.LayersModel) => {
        const vars = m.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar, vars);
        const out = [value.dataSync()[0], ...vars.map((v) => Array.from(grads[v.name].dataSync()))];
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      };
      const [lossLazy, ...gradsLazy] = run(lazy);
      const [lossStock, ...gradsStock] = run(stock);
      assertAllClose([lossLazy as number], [lossStock as number], 1e-5, 0, 'loss');
      gradsLazy.forEach((g, i) => assertAllClose(g as number[], gradsStock[i] as number[], 1e-5, 1e-6, `gradient ${i}`));
      const inputGradients = async (m: tf.LayersModel) =>
        (await tf.profile(() => run(m))).kernels.filter((k) => k.name === 'Conv2DBackpropInput').length;
      if (config.useBias) assert.equal(await inputGradients(lazy), 1, 'configurations it does not cover keep the stock layer');
      else {
        assert.equal(await inputGradients(lazy), 0, 'no gradient for the images');
        assert.equal(await inputGradients(stock), 1, 'the stock layer computes one');
      }
      assert.equal((lazy.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } }).config.layers[1].class_name, 'Conv2D');
      x.dispose();
      lazy.dispose();
      stock.dispose();
    }
  });

  it('leaks no tensors in a forward pass', () => {
    const encoder = buildEncoder('cnn', [8, 8, 3], 1);
    const x = tf.zeros([2, 8, 8, 3]);
    const run = () => tf.tidy(() => applyModel(encoder, x, true)).dispose();
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    encoder.dispose();
  });

  it('conv gradients are available on cpu', () => {
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(convGradientsAvailable(), true);
    assert.deepEqual(missingConvGradientKernels(), []);
  });
});

describe('encoders on the stock wasm backend', () => {
  before(async () => {
    await initBackend('wasm');
    // initBackend installs the fast-wasm kernels; these tests are about the stock backend.
    uninstallFastWasm();
  });
  after(useCpu);

  it('with the fast-wasm kernels installed, conv encoders can train on wasm', () => {
    assert.equal(installFastWasm({ env: {} }).installed, true);
    try {
      assert.deepEqual(missingConvGradientKernels(), []);
    } finally {
      uninstallFastWasm();
    }
  });

  it('reports the missing Conv2DBackpropFilter kernel', () => {
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(convGradientsAvailable(), false);
    assert.deepEqual(missingConvGradientKernels(), ['Conv2DBackpropFilter']);
    assert.deepEqual(missingConvGradientKernels('cpu'), []);
  });

  it('can still train the mlp encoder', () => {
    const encoder = buildEncoder('mlp', [6, 6, 1], 2);
    const x = randomInput([4, 6, 6, 1], 5);
    const optimizer = tf.train.sgd(0.01);
    const loss = () => tf.mean(tf.square(applyModel(encoder, x, true))) as tf.Scalar;
    const first = optimizer.minimize(loss, true) as tf.Scalar;
    const second = optimizer.minimize(loss, true) as tf.Scalar;
    assert.ok(second.dataSync()[0] < first.dataSync()[0]);
    tf.dispose([first, second, x]);
    optimizer.dispose();
    encoder.dispose();
  });
});
