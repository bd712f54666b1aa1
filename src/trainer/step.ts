/** One training step — augment twice, encode, project, loss, backward, update — shared by the trainer and the benchmark. */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from '../shared/protocol';
import { augmentBatch, type AugmentOptions } from './augment';
import { applyModel } from './encoders';
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

/** `batch` is float32 NHWC in [0, 1]; it is not disposed here. */
export async function trainStep(models: StepModels, batch: tf.Tensor4D, s: StepSettings): Promise<StepOutcome> {
  const [x1, x2] = tf.tidy(() => [augmentBatch(batch, s.augment, s.seeds[0]), augmentBatch(batch, s.augment, s.seeds[1])]);
  let npc: tf.Tensor1D | undefined;
  const together = viewsCanShareABatch(models);
  const { value, grads } = tf.variableGrads(() => {
    const embed = (x: tf.Tensor) => applyModel(models.head, applyModel(models.encoder, x, true), true);
    const [z1, z2] = together ? (tf.split(embed(tf.concat([x1, x2])), 2) as tf.Tensor2D[]) : [embed(x1), embed(x2)];
    const out = lossWithNpc(s.loss, z1, z2, { temperature: s.temperature, sigma: s.sigma });
    npc = tf.keep(out.npc);
    return s.poison ? tf.mul(out.loss, NaN) : out.loss;
  }, models.vars);
  tf.dispose([x1, x2]);
  const [loss] = await value.data();
  value.dispose();
  const q = (await npc!.data()) as Float32Array;
  npc!.dispose();
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(grads));
    return { loss, npc: q, applied: false };
  }
  models.optimizer.apply(grads, models.vars);
  return { loss, npc: q, applied: true };
}
