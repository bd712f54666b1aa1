/**
 * Encoders and the projection head, built with tf.layers.
 *
 * Every layer gets an explicit name and its own initializer seed derived from the build seed, so two builds
 * with the same seed have identical weights, and checkpoints (which tfjs stores by weight name) load into a
 * fresh build regardless of how many models the process made before.
 *
 * BatchNormalization layers normalise with batch statistics only when the model is applied with
 * `training: true` (see `applyModel`); `predict()` uses the moving averages, which is what evaluation wants.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from './batchNorm';
import { conv2d } from './lazyConv2d';
import type { EncoderKind } from '../shared/protocol';
import { deriveSeed } from './random';

const FEATURE_DIMS: Record<EncoderKind, number> = { mlp: 1024, cnn: 128, resnet18: 512 };

export function featureDim(kind: EncoderKind): number {
  const d = FEATURE_DIMS[kind];
  if (d === undefined) throw new Error(`unknown encoder "${kind as string}"; use one of ${Object.keys(FEATURE_DIMS).join(', ')}`);
  return d;
}

/** Distinct seeds for the layers of one model: deriveSeed(build seed, 0), (…, 1), … in build order. */
function seedStream(seed: number): () => number {
  let counter = 0;
  return () => deriveSeed(seed, counter++);
}

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/** Builds the layers of one model: names them `<prefix>_<what>` and hands each its own seed. */
class LayerFactory {
  private readonly nextSeed: () => number;
  constructor(private readonly prefix: string, seed: number) {
    this.nextSeed = seedStream(seed);
  }

  name(what: string): string {
    return `${this.prefix}_${what}`;
  }

  /** Kaiming-normal kernels (ResNet's init; right for conv layers followed by ReLU). */
  conv(x: Sym, what: string, filters: number, kernelSize: number, strides: number, useBias: boolean): Sym {
    return apply(
      conv2d({
        name: this.name(what),
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias,
        kernelInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
      }),
      x,
    );
  }

  /** PyTorch's BatchNorm2d defaults: running-average factor 0.1 (tfjs momentum 0.9), ε = 1e-5. */
  batchNorm(x: Sym, what: string): Sym {
    return apply(batchNormalization({ name: this.name(what), momentum: 0.9, epsilon: 1e-5 }), x);
  }

  relu(x: Sym, what: string): Sym {
    return apply(tf.layers.reLU({ name: this.name(what) }), x);
  }

  dense(x: Sym, what: string, units: number, activation: 'relu' | 'linear'): Sym {
    return apply(
      tf.layers.dense({
        name: this.name(what),
        units,
        activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: this.nextSeed() }),
      }),
      x,
    );
  }

  /** conv → batch norm → (relu); the conv has no bias because the batch norm's β replaces it. */
  convBn(x: Sym, what: string, filters: number, kernelSize: number, strides: number, relu: boolean): Sym {
    const y = this.batchNorm(this.conv(x, `${what}_conv`, filters, kernelSize, strides, false), `${what}_bn`);
    return relu ? this.relu(y, `${what}_relu`) : y;
  }
}

function buildMlp(input: Sym, f: LayerFactory): Sym {
  const flat = apply(tf.layers.flatten({ name: f.name('flatten') }), input);
  return f.dense(f.dense(flat, 'dense1', 1024, 'relu'), 'dense2', 1024, 'relu');
}

/** Three stride-2 conv blocks (32/64/128) and global average pooling: small enough for CPU training. */
function buildCnn(input: Sym, f: LayerFactory): Sym {
  let x = input;
  [32, 64, 128].forEach((filters, i) => {
    x = f.convBn(x, `block${i + 1}`, filters, 3, 2, true);
  });
  return apply(tf.layers.globalAveragePooling2d({ name: f.name('gap') }), x);
}

/** ResNet BasicBlock: two 3×3 conv-bn, plus a 1×1 conv-bn projection on the skip when the shape changes. */
function basicBlock(x: Sym, f: LayerFactory, what: string, filters: number, strides: number): Sym {
  const y = f.convBn(f.convBn(x, `${what}_a`, filters, 3, strides, true), `${what}_b`, filters, 3, 1, false);
  const inChannels = x.shape[x.shape.length - 1];
  const shortcut = strides !== 1 || inChannels !== filters ? f.convBn(x, `${what}_proj`, filters, 1, strides, false) : x;
  return f.relu(apply(tf.layers.add({ name: f.name(`${what}_add`) }), [y, shortcut]), `${what}_out`);
}

/** ResNet-18 with the CIFAR stem (3×3 stride-1 conv, no max-pool), as in SimCLR's CIFAR experiments. */
function buildResnet18(input: Sym, f: LayerFactory): Sym {
  let x = f.convBn(input, 'stem', 64, 3, 1, true);
  const stages: [number, number][] = [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ];
  stages.forEach(([filters, strides], s) => {
    x = basicBlock(x, f, `layer${s + 1}_0`, filters, strides);
    x = basicBlock(x, f, `layer${s + 1}_1`, filters, 1);
  });
  return apply(tf.layers.globalAveragePooling2d({ name: f.name('gap') }), x);
}

const BUILDERS: Record<EncoderKind, (input: Sym, f: LayerFactory) => Sym> = {
  mlp: buildMlp,
  cnn: buildCnn,
  resnet18: buildResnet18,
};

/** An encoder from NHWC images of `inputShape` ([H, W, C]) to features [N, featureDim(kind)]. */
export function buildEncoder(kind: EncoderKind, inputShape: [number, number, number], seed: number): tf.LayersModel {
  const builder = BUILDERS[kind];
  if (!builder) throw new Error(`unknown encoder "${kind as string}"; use one of ${Object.keys(BUILDERS).join(', ')}`);
  if (!inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`input shape must be three positive integers [H, W, C]; got [${inputShape}]`);
  }
  const input = tf.input({ shape: inputShape, name: 'enc_input' });
  const output = builder(input, new LayerFactory('enc', seed));
  return tf.model({ inputs: input, outputs: output, name: `encoder_${kind}` });
}

/** SimCLR's projection head: dense+relu for every size but the last, which is linear (the embedding). */
export function buildProjectionHead(inDim: number, sizes: number[], seed: number): tf.LayersModel {
  if (!(Number.isInteger(inDim) && inDim > 0)) throw new Error(`projection input width must be a positive integer; got ${inDim}`);
  if (sizes.length === 0 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`projection sizes must be one or more positive integers; got [${sizes}]`);
  }
  const f = new LayerFactory('proj', seed);
  const input = tf.input({ shape: [inDim], name: 'proj_input' });
  let x: Sym = input;
  sizes.forEach((units, i) => {
    x = f.dense(x, `dense${i + 1}`, units, i === sizes.length - 1 ? 'linear' : 'relu');
  });
  return tf.model({ inputs: input, outputs: x, name: 'projection_head' });
}

/**
 * Runs a model on a concrete tensor. `training: true` makes batch norm use (and update the moving averages
 * from) the batch statistics, as a training step must; `false` matches `predict()`.
 */
export function applyModel(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor2D {
  return model.apply(x, { training }) as tf.Tensor2D;
}

export function encoderUsesConv(kind: EncoderKind): boolean {
  return kind !== 'mlp';
}

/** The kernels a conv layer's backward pass needs. */
export const CONV_GRADIENT_KERNELS: readonly string[] = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];

/** Which conv-gradient kernels `backend` lacks (the stock wasm backend has no Conv2DBackpropFilter). */
export function missingConvGradientKernels(backend: string = tf.getBackend()): string[] {
  return CONV_GRADIENT_KERNELS.filter((name) => tf.getKernel(name, backend) === undefined);
}

/** Whether the active backend can train conv encoders (cnn, resnet18); the mlp never needs this. */
export function convGradientsAvailable(): boolean {
  return missingConvGradientKernels().length === 0;
}
