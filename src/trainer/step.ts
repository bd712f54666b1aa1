/** One training step — augment twice, encode, project, loss, backward, update — shared by the trainer and the benchmark. */
import * as tf from '@tensorflow/tfjs';
import type { LossKind, StepMemory } from '../shared/protocol';

export type { StepMemory };
import { augmentBatch, type AugmentOptions } from './augment';
import { applyModel } from './encoders';
import { freezeMovingStatistics } from './batchNorm';
import { variableGradsFreeing } from './freeingGrads';
import { trimBufferPool } from './native/nativeBackend';
import { lossWithNpc } from './losses';
import type { TrainOptimizer } from './optimizer';

export interface StepModels {
  encoder: tf.LayersModel;
  head: tf.LayersModel;
  vars: tf.Variable[];
  optimizer: TrainOptimizer;
}

export interface StepSettings {
  loss: LossKind;
  temperature: number;
  sigma: number;
  augment: AugmentOptions;
  /** Seeds of the two views' augmentations. */
  seeds: [number, number];
  /** Test hook: poison the loss so the non-finite path can be exercised. */
  poison?: boolean;
  /**
   * 'whole' differentiates both views' graphs at once; 'per-view' (about half the activation memory, one more
   * forward pass) encodes both views without a tape, then recomputes and differentiates one view at a time.
   */
  memory?: StepMemory;
}

export interface StepOutcome {
  loss: number;
  /** The 2N NPC multipliers of the batch (view-1 anchors, then view-2). */
  npc: Float32Array;
  /** False when the loss was not finite; the update was then skipped. */
  applied: boolean;
}

export function trainableVariables(...models: tf.LayersModel[]): tf.Variable[] {
  // LayerVariable wraps the tf.Variable the optimizer must update.
  return models.flatMap((m) => m.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
}

/** Layers whose training-mode output for one image depends on the rest of the batch. */
const BATCH_DEPENDENT = new Set(['BatchNormalization']);
const sharesBatch = new WeakMap<tf.LayersModel, boolean>();

/**
 * Whether both views can go through the models as one batch of 2N: exactly the same embeddings and gradients
 * when no layer looks across the batch, and half the kernel calls with GEMMs twice as tall. With batch norm
 * each view keeps its own pass, so its statistics stay per view, as in lightly's two-pass training loop.
 */
export function viewsCanShareABatch(models: Pick<StepModels, 'encoder' | 'head'>): boolean {
  return [models.encoder, models.head].every((m) => {
    let ok = sharesBatch.get(m);
    if (ok === undefined) {
      ok = !m.layers.some((l) => BATCH_DEPENDENT.has(l.getClassName()));
      sharesBatch.set(m, ok);
    }
    return ok;
  });
}

type Embed = (x: tf.Tensor) => tf.Tensor2D;

/** The loss (possibly poisoned), its NPC multipliers and the gradients of every variable, by name. */
interface Differentiated {
  value: tf.Scalar;
  npc: tf.Tensor1D;
  grads: tf.NamedTensorMap;
}

function lossOf(s: StepSettings, z1: tf.Tensor2D, z2: tf.Tensor2D): { loss: tf.Scalar; npc: tf.Tensor1D } {
  const out = lossWithNpc(s.loss, z1, z2, { temperature: s.temperature, sigma: s.sigma });
  return { loss: s.poison ? tf.mul(out.loss, NaN) : out.loss, npc: out.npc };
}

/** Both views' graphs on one tape (as one batch of 2N when no layer looks across the batch). */
function differentiateWhole(models: StepModels, embed: Embed, x1: tf.Tensor, x2: tf.Tensor, s: StepSettings): Differentiated {
  let npc: tf.Tensor1D | undefined;
  const together = viewsCanShareABatch(models);
  const { value, grads } = variableGradsFreeing(() => {
    const [z1, z2] = together ? (tf.split(embed(tf.concat([x1, x2])), 2) as tf.Tensor2D[]) : [embed(x1), embed(x2)];
    const out = lossOf(s, z1, z2);
    npc = tf.keep(out.npc);
    return out.loss;
  }, models.vars);
  return { value, npc: npc!, grads };
}

/**
 * One view's graph on the tape at a time: both views are encoded without a tape, the loss gives the gradient of
 * each embedding, then each view is encoded again with a tape and differentiated from its embedding's gradient.
 * The recomputation leaves batch norm's moving averages alone (they moved in the first pass).
 */
function differentiatePerView(models: StepModels, embed: Embed, x1: tf.Tensor, x2: tf.Tensor, s: StepSettings): Differentiated {
  const [z1, z2] = tf.tidy(() => [embed(x1), embed(x2)]);
  let npc: tf.Tensor1D | undefined;
  const { value, grads: dz } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
    const out = lossOf(s, a as tf.Tensor2D, b as tf.Tensor2D);
    npc = tf.keep(out.npc);
    return out.loss;
  })([z1, z2]);
  tf.dispose([z1, z2]);
  const grads: tf.NamedTensorMap = {};
  [x1, x2].forEach((x, v) => {
    const view = freezeMovingStatistics(() => variableGradsFreeing(() => embed(x), models.vars, dz[v]));
    view.value.dispose();
    for (const [name, g] of Object.entries(view.grads)) {
      const sum = grads[name] ? tf.add(grads[name], g) : g;
      if (grads[name]) tf.dispose([grads[name], g]);
      grads[name] = sum;
    }
  });
  tf.dispose(dz);
  return { value: value, npc: npc!, grads };
}

/** `batch` is float32 NHWC in [0, 1]; it is not disposed here. */
export async function trainStep(models: StepModels, batch: tf.Tensor4D, s: StepSettings): Promise<StepOutcome> {
  trimBufferPool();
  const [x1, x2] = tf.tidy(() => [augmentBatch(batch, s.augment, s.seeds[0]), augmentBatch(batch, s.augment, s.seeds[1])]);
  const embed: Embed = (x) => applyModel(models.head, applyModel(models.encoder, x, true), true);
  const differentiate = s.memory === 'per-view' && !viewsCanShareABatch(models) ? differentiatePerView : differentiateWhole;
  const { value, npc, grads } = differentiate(models, embed, x1, x2, s);
  tf.dispose([x1, x2]);
  const [loss] = await value.data();
  value.dispose();
  const q = (await npc.data()) as Float32Array;
  npc.dispose();
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(grads));
    return { loss, npc: q, applied: false };
  }
  models.optimizer.apply(grads, models.vars);
  return { loss, npc: q, applied: true };
}
