/**
 * export-weights: the .safetensors file is decoded here independently (header parsed by hand), and a forward
 * pass with PyTorch's semantics (NCHW, OIHW kernels, [out, in] linear weights, batch norm in eval mode; float64
 * loops written in this file, after docs/pytorch/dcl_models.py) must give the TensorFlow.js model's outputs.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { EncoderKind } from '../../src/shared/protocol';
import { saveCheckpoint } from '../../src/trainer/checkpoint';
import { buildEncoder, buildProjectionHead, featureDim } from '../../src/trainer/encoders';
import { exportWeights } from '../../src/trainer/export/exportWeights';
import { mulberry32 } from '../../src/trainer/random';
import { assertAllClose, useCpu } from '../helpers/tf';
import { tempDir } from '../helpers/runs';

// ---- an independent safetensors reader ----
type Tensor = { shape: number[]; f64?: Float64Array; i64?: bigint[] };

function readSafetensors(file: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const bytes = fs.readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'the data starts 8-byte aligned');
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const data = bytes.subarray(8 + headerLength);
  const { __metadata__: metadata, ...entries } = header as unknown as Record<string, never>;
  const tensors = new Map<string, Tensor>();
  let expectedBegin = 0;
  for (const name of Object.keys(entries).sort()) {
    const { dtype, shape, data_offsets: [begin, end] } = header[name];
    assert.equal(begin, expectedBegin, `${name}: tensors are contiguous`);
    expectedBegin = end;
    const count = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'F32') {
      assert.equal(end - begin, 4 * count, name);
      const f64 = new Float64Array(count);
      for (let i = 0; i < count; i++) f64[i] = data.readFloatLE(begin + 4 * i);
      tensors.set(name, { shape, f64 });
    } else {
      assert.equal(dtype, 'I64', name);
      assert.equal(end - begin, 8 * count, name);
      tensors.set(name, { shape, i64: Array.from({ length: count }, (_, i) => data.readBigInt64LE(begin + 8 * i)) });
    }
  }
  assert.equal(expectedBegin, data.length, 'no bytes after the last tensor');
  return { tensors, metadata };
}

// ---- PyTorch semantics in float64 (one image [C, H, W] at a time) ----
interface Img {
  c: number;
  h: number;
  w: number;
  v: Float64Array;
}

/** Conv2dSame of dcl_models.py: TensorFlow's SAME padding, OIHW weight, no bias. */
function conv(x: Img, weight: Tensor, stride: number): Img {
  const [o, i, kh, kw] = weight.shape;
  assert.equal(i, x.c);
  const w = weight.f64!;
  const oh = Math.ceil(x.h / stride);
  const ow = Math.ceil(x.w / stride);
  const top = Math.floor(Math.max((oh - 1) * stride + kh - x.h, 0) / 2);
  const left = Math.floor(Math.max((ow - 1) * stride + kw - x.w, 0) / 2);
  const v = new Float64Array(o * oh * ow);
  for (let oc = 0; oc < o; oc++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = 0;
        for (let ic = 0; ic < i; ic++)
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * stride + ky - top;
            if (iy < 0 || iy >= x.h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = xx * stride + kx - left;
              if (ix < 0 || ix >= x.w) continue;
              s += x.v[(ic * x.h + iy) * x.w + ix] * w[((oc * i + ic) * kh + ky) * kw + kx];
            }
          }
        v[(oc * oh + y) * ow + xx] = s;
      }
  return { c: o, h: oh, w: ow, v };
}

/** BatchNorm2d in eval mode, ε = 1e-5. */
function bn(x: Img, sd: Map<string, Tensor>, name: string): Img {
  const [g, b, m, vr] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => sd.get(`${name}.${p}`)!.f64!);
  const v = new Float64Array(x.v.length);
  const hw = x.h * x.w;
  for (let c = 0; c < x.c; c++)
    for (let k = 0; k < hw; k++) v[c * hw + k] = ((x.v[c * hw + k] - m[c]) / Math.sqrt(vr[c] + 1e-5)) * g[c] + b[c];
  return { ...x, v };
}

const relu = (x: Img): Img => ({ ...x, v: x.v.map((a) => Math.max(0, a)) });
const add = (a: Img, b: Img): Img => ({ ...a, v: a.v.map((x, i) => x + b.v[i]) });
const gap = (x: Img): Float64Array => Float64Array.from({ length: x.c }, (_, c) => x.v.subarray(c * x.h * x.w, (c + 1) * x.h * x.w).reduce((s, a) => s + a, 0) / (x.h * x.w));

/** nn.Linear: y = W x + b with W [out, in]. */
function linear(x: Float64Array, sd: Map<string, Tensor>, name: string): Float64Array {
  const w = sd.get(`${name}.weight`)!;
  const b = sd.get(`${name}.bias`)!.f64!;
  const [o, i] = w.shape;
  assert.equal(i, x.length, name);
  return Float64Array.from({ length: o }, (_, r) => {
    let s = b[r];
    for (let k = 0; k < i; k++) s += w.f64![r * i + k] * x[k];
    return s;
  });
}
const reluVec = (x: Float64Array) => x.map((a) => Math.max(0, a));

const ENCODERS: Record<EncoderKind, (x: Img, sd: Map<string, Tensor>) => Float64Array> = {
  // torch.flatten of NCHW: channel-major.
  mlp: (x, sd) => reluVec(linear(reluVec(linear(x.v, sd, 'encoder.fc1')), sd, 'encoder.fc2')),
  cnn: (x, sd) => {
    for (const b of [1, 2, 3]) x = relu(bn(conv(x, sd.get(`encoder.block${b}.conv.weight`)!, 2), sd, `encoder.block${b}.bn`));
    return gap(x);
  },
  resnet18: (x, sd) => {
    x = relu(bn(conv(x, sd.get('encoder.conv1.weight')!, 1), sd, 'encoder.bn1'));
    for (const [layer, stride] of [[1, 1], [2, 2], [3, 2], [4, 2]])
      for (const block of [0, 1]) {
        const p = `encoder.layer${layer}.${block}`;
        const s = block === 0 ? stride : 1;
        const y = bn(conv(relu(bn(conv(x, sd.get(`${p}.conv1.weight`)!, s), sd, `${p}.bn1`)), sd.get(`${p}.conv2.weight`)!, 1), sd, `${p}.bn2`);
        const shortcut = sd.has(`${p}.downsample.0.weight`) ? bn(conv(x, sd.get(`${p}.downsample.0.weight`)!, s), sd, `${p}.downsample.1`) : x;
        x = relu(add(y, shortcut));
      }
    return gap(x);
  },
};

// ---- the comparison ----
let tf: typeof tfTypes;
before(async () => {
  tf = await useCpu();
});

/** Random batch-norm statistics and affine parameters, so eval-mode batch norm is really exercised. */
function randomizeBatchNorm(model: tfTypes.LayersModel, rand: () => number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.weights.map((w) => {
        const n = w.shape.reduce((a, b) => a! * b!, 1) as number;
        const base = w.name.endsWith('moving_variance') || w.name.endsWith('gamma') ? 0.5 : -0.25;
        return tf.tensor(Float32Array.from({ length: n }, () => base + 0.5 * rand()), w.shape as number[]);
      }),
    );
  }
}

const CASES: [EncoderKind, [number, number, number]][] = [
  ['mlp', [5, 4, 3]],
  ['cnn', [9, 8, 3]],
  ['resnet18', [8, 8, 3]],
];

describe('export-weights --format safetensors', () => {
  for (const [kind, shape] of CASES) {
    it(`${kind}: the PyTorch-layout file, run with PyTorch semantics, gives the TensorFlow.js outputs`, async () => {
      const rand = mulberry32(7);
      const encoder = buildEncoder(kind, shape, 3);
      const head = buildProjectionHead(featureDim(kind), [16, 8], 4);
      randomizeBatchNorm(encoder, rand);
      const runDir = tempDir();
      fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ encoder: kind }));
      await saveCheckpoint(path.join(runDir, 'checkpoints'), { encoder, head }, { step: 7, epoch: 2, time: '2026-01-01T00:00:00Z' });
      const { file } = exportWeights(runDir, { epoch: 2 });
      assert.equal(path.basename(file), 'e0002-weights.safetensors');
      const { tensors: sd, metadata } = readSafetensors(file);
      assert.equal(metadata.encoder, kind);
      assert.equal(metadata.input_shape, `${shape[2]},${shape[0]},${shape[1]}`);
      assert.equal(metadata.projection, '16,8');
      for (const [name, t] of sd) if (name.endsWith('num_batches_tracked')) assert.deepEqual(t.i64, [7n], name);

      const [h, w, c] = shape;
      const n = 2;
      const input = Float32Array.from({ length: n * h * w * c }, () => rand());
      const x = tf.tensor4d(input, [n, h, w, c]);
      const tfFeatures = (encoder.predict(x) as tfTypes.Tensor).dataSync();
      const tfEmbeddings = (head.predict(encoder.predict(x) as tfTypes.Tensor) as tfTypes.Tensor).dataSync();
      const dim = featureDim(kind);
      for (let b = 0; b < n; b++) {
        // NHWC → NCHW for the PyTorch-side reference.
        const v = new Float64Array(c * h * w);
        for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) v[(ch * h + y) * w + xx] = input[((b * h + y) * w + xx) * c + ch];
        const features = ENCODERS[kind]({ c, h, w, v }, sd);
        assertAllClose(tfFeatures.subarray(b * dim, (b + 1) * dim), features, 1e-4, 1e-4, `${kind} features, image ${b}`);
        const emb = linear(reluVec(linear(features, sd, 'head.0')), sd, 'head.2');
        assertAllClose(tfEmbeddings.subarray(b * 8, (b + 1) * 8), emb, 1e-4, 1e-4, `${kind} embeddings, image ${b}`);
      }
      if (kind === 'resnet18') {
        // torchvision's resnet18 state dict has 122 entries; without fc, 120, plus the head's 4.
        assert.equal(sd.size, 124);
        assert.deepEqual(sd.get('encoder.conv1.weight')!.shape, [64, 3, 3, 3]);
        assert.deepEqual(sd.get('encoder.layer2.0.downsample.0.weight')!.shape, [128, 64, 1, 1]);
        assert.ok(sd.has('encoder.layer4.1.bn2.running_var'));
      }
      encoder.dispose();
      head.dispose();
    });
  }

  it('refuses an epoch the run does not keep, naming the one it has', async () => {
    const runDir = tempDir();
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify({ encoder: 'mlp' }));
    assert.throws(() => exportWeights(runDir), /no checkpoint yet/);
    const encoder = buildEncoder('mlp', [4, 4, 1], 1);
    const head = buildProjectionHead(featureDim('mlp'), [8], 2);
    await saveCheckpoint(path.join(runDir, 'checkpoints'), { encoder, head }, { step: 3, epoch: 1, time: 't' });
    assert.throws(() => exportWeights(runDir, { epoch: 5 }), /from epoch 1; use --epoch 1/);
  });
});
