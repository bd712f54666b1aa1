/**
 * The losses the trainer can train with, and the NPC multiplier, on tfjs tensors. Which losses exist (and
 * their labels) is src/shared/lossRegistry.ts; this maps each id there to its tensor code, one file each.
 */
import * as tf from '@tensorflow/tfjs';
import { LOSS_KINDS, lossInfo, type LossKind } from '../../shared/lossRegistry';
import { DEFAULT_RUN_CONFIG } from '../../shared/runConfig';
import { anchorTerms, checkInputs, l2Normalize, stopGradient, type LossImplementation } from './anchorTerms';
import { dcl as dclLoss } from './dcl';
import { dclw as dclwLoss } from './dclw';
import { infonce as infonceLoss } from './infonce';

export { anchorTerms, disposeLossCaches, l2Normalize, PLAIN_LSE_MAX_INV_TEMPERATURE, stopGradient } from './anchorTerms';
export { dclwWeights } from './dclw';

/** Typed by the registry's ids, so a loss listed there without tensor code here does not compile. */
const IMPLEMENTATIONS: Record<LossKind, LossImplementation> = {
  infonce: infonceLoss,
  dcl: dclLoss,
  dclw: dclwLoss,
};

export const DEFAULT_TEMPERATURE = DEFAULT_RUN_CONFIG.temperature;
export const DEFAULT_SIGMA = DEFAULT_RUN_CONFIG.sigma;

export interface LossOptions {
  temperature?: number;
  sigma?: number;
}

function implementation(kind: LossKind): LossImplementation {
  const impl = (IMPLEMENTATIONS as Partial<Record<string, LossImplementation>>)[kind];
  if (!impl) throw new Error(`unknown loss "${lossInfo(kind).id}"; use one of ${LOSS_KINDS.join(', ')}`);
  return impl;
}

/** Per-anchor loss values [2N] from the normalised embeddings, and the margin logNeg − pos (the NPC's logit). */
function perAnchor(kind: LossKind, z1n: tf.Tensor2D, z2n: tf.Tensor2D, temperature: number, sigma: number): { losses: tf.Tensor1D; margin: tf.Tensor1D } {
  const impl = implementation(kind);
  const { pos, logNeg } = anchorTerms(z1n, z2n, temperature);
  return { losses: impl.perAnchor({ z1n, z2n, pos, logNeg }, { sigma }), margin: tf.sub(logNeg, pos) as tf.Tensor1D };
}

/** Per-anchor loss values [2N] for one loss kind (the mean of these is the loss). */
export function anchorLosses(kind: LossKind, z1: tf.Tensor2D, z2: tf.Tensor2D, opts: LossOptions = {}): tf.Tensor1D {
  const temperature = opts.temperature ?? DEFAULT_TEMPERATURE;
  checkInputs(z1, z2, temperature);
  return tf.tidy(() => perAnchor(kind, l2Normalize(z1), l2Normalize(z2), temperature, opts.sigma ?? DEFAULT_SIGMA).losses);
}

export function contrastiveLoss(kind: LossKind, z1: tf.Tensor2D, z2: tf.Tensor2D, opts: LossOptions = {}): tf.Scalar {
  return tf.tidy(() => tf.mean(anchorLosses(kind, z1, z2, opts)) as tf.Scalar);
}

export const infoNCE = (z1: tf.Tensor2D, z2: tf.Tensor2D, temperature = DEFAULT_TEMPERATURE): tf.Scalar =>
  contrastiveLoss('infonce', z1, z2, { temperature });
export const dcl = (z1: tf.Tensor2D, z2: tf.Tensor2D, temperature = DEFAULT_TEMPERATURE): tf.Scalar =>
  contrastiveLoss('dcl', z1, z2, { temperature });
export const dclw = (z1: tf.Tensor2D, z2: tf.Tensor2D, temperature = DEFAULT_TEMPERATURE, sigma = DEFAULT_SIGMA): tf.Scalar =>
  contrastiveLoss('dclw', z1, z2, { temperature, sigma });

/**
 * The NPC multiplier q = 1 − e^pos/(e^pos + Σneg e^s) for each of the 2N anchors (view 1, then view 2).
 * Computed as sigmoid(logNeg − pos), which keeps full relative precision when q is tiny.
 * It does not depend on the loss being trained: for DCL/DCLW it is what InfoNCE's gradient would be scaled by.
 */
export function npcMultiplier(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature = DEFAULT_TEMPERATURE): tf.Tensor1D {
  checkInputs(z1, z2, temperature);
  return tf.tidy(() => {
    const { pos, logNeg } = anchorTerms(l2Normalize(z1), l2Normalize(z2), temperature);
    return tf.sigmoid(tf.sub(logNeg, pos)) as tf.Tensor1D;
  });
}

/**
 * The loss and, from the same logits, the NPC multiplier of every anchor — what a training step needs.
 * The NPC comes out of the tape detached (it is a diagnostic, never differentiated).
 */
export function lossWithNpc(
  kind: LossKind,
  z1: tf.Tensor2D,
  z2: tf.Tensor2D,
  opts: LossOptions = {},
): { loss: tf.Scalar; npc: tf.Tensor1D } {
  const temperature = opts.temperature ?? DEFAULT_TEMPERATURE;
  checkInputs(z1, z2, temperature);
  return tf.tidy(() => {
    const { losses, margin } = perAnchor(kind, l2Normalize(z1), l2Normalize(z2), temperature, opts.sigma ?? DEFAULT_SIGMA);
    return { loss: tf.mean(losses) as tf.Scalar, npc: stopGradient(tf.sigmoid(margin)) as tf.Tensor1D };
  });
}
