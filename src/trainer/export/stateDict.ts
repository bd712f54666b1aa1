/**
 * A saved tfjs Layers model (model.json + weights.bin) as a PyTorch state dict: read straight from the files
 * (no TensorFlow.js needed) and moved into PyTorch's layouts:
 *   conv kernel [kh, kw, in, out] → weight [out, in, kh, kw] (OIHW)
 *   dense kernel [in, out]        → weight [out, in]; after a flatten, inputs reordered from NHWC to NCHW order
 *   batch norm gamma/beta/moving_mean/moving_variance → weight/bias/running_mean/running_var (+ num_batches_tracked)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathInside } from '../../runFolder/confinedPath';
import type { EncoderKind } from '../../shared/protocol';
import type { NamedTensor } from './safetensors';
import { torchModuleName } from './torchNames';
import { readJsonFile } from '../../runFolder/readJsonFile';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/** The parts of a tfjs Layers `model.json` read here. */
interface ModelJson {
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  modelTopology?: { config?: { layers?: { class_name: string; config?: { batch_input_shape?: (number | null)[] } }[] } };
}

/** Each layer's weights by their tfjs names (`kernel`, `gamma`, …), with the model's input shape [H, W, C]. */
export function readLayersModel(dir: string): { layers: Map<string, Map<string, { shape: number[]; data: Float32Array }>>; inputShape: number[] } {
  const json = readJsonFile(path.join(dir, 'model.json')) as ModelJson;
  const manifest = json.weightsManifest?.[0];
  if (!manifest) throw new Error(`${path.join(dir, 'model.json')} has no weightsManifest; it is not a tfjs Layers model`);
  const bytes = fs.readFileSync(pathInside(dir, manifest.paths?.[0], `${path.join(dir, 'model.json')} (weightsManifest)`));
  const layers = new Map<string, Map<string, { shape: number[]; data: Float32Array }>>();
  let offset = 0;
  for (const spec of manifest.weights) {
    if (spec.dtype !== 'float32') throw new Error(`${spec.name} is ${spec.dtype}; only float32 checkpoints can be exported`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    // Copied out so the array is aligned whatever the weight's byte offset.
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
    offset += count * 4;
    const slash = spec.name.lastIndexOf('/');
    const layer = spec.name.slice(0, slash);
    if (!layers.has(layer)) layers.set(layer, new Map());
    layers.get(layer)!.set(spec.name.slice(slash + 1), { shape: spec.shape, data });
  }
  if (offset !== bytes.length) throw new Error(`${dir}: weights.bin has ${bytes.length} bytes, its manifest describes ${offset}`);
  const inputLayer = json.modelTopology?.config?.layers?.find((l) => l.class_name === 'InputLayer');
  return { layers, inputShape: (inputLayer?.config?.batch_input_shape ?? []).slice(1) as number[] };
}

/** [kh, kw, in, out] → [out, in, kh, kw]. */
function toOihw(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
  return out;
}

/**
 * [in, out] → [out, in]. With `flattenedFrom` = [H, W, C], input rows are in NHWC flatten order (h, w, c);
 * PyTorch flattens NCHW (c, h, w), so each row moves to its NCHW position.
 */
function toOutIn(k: Float32Array, [cin, cout]: number[], flattenedFrom?: number[]): Float32Array {
  const out = new Float32Array(k.length);
  const [h, w, c] = flattenedFrom ?? [cin, 1, 1];
  for (let r = 0; r < cin; r++) {
    // r = (y·W + x)·C + ch in NHWC order; its column in NCHW order is ch·H·W + y·W + x.
    const ch = r % c;
    const yx = (r - ch) / c;
    const col = flattenedFrom ? ch * h * w + yx : r;
    for (let o = 0; o < cout; o++) out[o * cin + col] = k[r * cout + o];
  }
  return out;
}

const BN_NAMES: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };

/**
 * The state-dict tensors of one saved model, and its input shape ([H, W, C] for an encoder). `batchesTracked`
 * fills BatchNorm's num_batches_tracked (PyTorch only reads it when momentum is None).
 */
export function torchStateDict(dir: string, kind: EncoderKind | 'head', batchesTracked: number): { tensors: NamedTensor[]; inputShape: number[] } {
  const { layers, inputShape } = readLayersModel(dir);
  const tensors: NamedTensor[] = [];
  for (const [layer, weights] of layers) {
    const module = torchModuleName(kind, layer);
    const kernel = weights.get('kernel');
    if (kernel && kernel.shape.length === 4) {
      const [kh, kw, cin, cout] = kernel.shape;
      tensors.push({ name: `${module}.weight`, shape: [cout, cin, kh, kw], data: toOihw(kernel.data, kernel.shape) });
    } else if (kernel && kernel.shape.length === 2) {
      // Only the MLP's first dense layer reads the flattened image; the others read vectors.
      const flattened = kind === 'mlp' && layer === 'enc_dense1' && inputShape.length === 3 ? inputShape : undefined;
      tensors.push({ name: `${module}.weight`, shape: [kernel.shape[1], kernel.shape[0]], data: toOutIn(kernel.data, kernel.shape, flattened) });
    }
    const bias = weights.get('bias');
    if (bias) tensors.push({ name: `${module}.bias`, shape: bias.shape, data: bias.data });
    for (const [tfName, torchName] of Object.entries(BN_NAMES)) {
      const w = weights.get(tfName);
      if (w) tensors.push({ name: `${module}.${torchName}`, shape: w.shape, data: w.data });
    }
    if (weights.has('moving_mean')) tensors.push({ name: `${module}.num_batches_tracked`, shape: [], data: BigInt64Array.of(BigInt(batchesTracked)) });
    const known = new Set(['kernel', 'bias', ...Object.keys(BN_NAMES)]);
    const unknown = [...weights.keys()].filter((k) => !known.has(k));
    if (unknown.length) throw new Error(`layer ${layer} has weights ${unknown.join(', ')} that have no PyTorch counterpart here`);
  }
  return { tensors, inputShape };
}
