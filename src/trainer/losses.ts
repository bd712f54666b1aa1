/**
 * InfoNCE (NT-Xent), DCL and DCLW, and the NPC multiplier, on tfjs tensors.
 *
 * Conventions follow lightly's NTXentLoss / DCLLoss / DCLWLoss: embeddings are L2-normalised here,
 * each of the 2N anchors has one positive (its other view) and 2N−2 negatives (every other embedding of
 * both views), and a loss is the mean over all 2N anchors. Anchor order is view-1 anchors, then view-2.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from '../shared/protocol';

export const DEFAULT_TEMPERATURE = 0.1;
export const DEFAULT_SIGMA = 0.5;

/** Added to masked logits: far below any real logit (|s| ≤ 1/τ), so exp() of it is exactly 0. */
const MASKED_LOGIT = -1e9;
/**
 * e^50 · 2N stays far below float32's 3.4e38 for any batch, and e^−50 far above its smallest normal, so a
 * plain log-sum-exp is exact enough whenever every logit lies in [−50, 50].
 */
export const PLAIN_LSE_MAX_INV_TEMPERATURE = 50;
/** Guards the normalisation of an all-zero row (lightly/PyTorch use the same floor). */
const NORM_EPS = 1e-12;

export function l2Normalize(z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    // √Σz² rather than tf.norm, which computes |z|^2 with Pow and Abs (a slow per-element wasm kernel), forward and back.
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(z), 1, true)), NORM_EPS);
    return tf.div(z, norm) as tf.Tensor2D;
  });
}

/** A value that flows forward unchanged and passes no gradient back (PyTorch's `detach`). */
export const stopGradient = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** Masks and partner indices depend only on N; cache them so training steps do not rebuild them. */
interface Masks {
  /** 0 where the column is a negative of the row's anchor, MASKED_LOGIT elsewhere: [2N, 2N]. */
  negatives: tf.Tensor2D;
}
const maskCache = new Map<number, Masks>();

function masksFor(n: number): Masks {
  let m = maskCache.get(n);
  if (!m || m.negatives.isDisposed) {
    const size = 2 * n;
    const values = new Float32Array(size * size);
    for (let r = 0; r < size; r++) {
      const partner = r < n ? r + n : r - n;
      for (let c = 0; c < size; c++) {
        values[r * size + c] = c === r || c === partner ? MASKED_LOGIT : 0;
      }
    }
    m = { negatives: tf.keep(tf.tensor2d(values, [size, size])) };
    maskCache.set(n, m);
  }
  return m;
}

/** Frees the cached masks (tests that count tensors call this). */
export function disposeLossCaches(): void {
  for (const m of maskCache.values()) m.negatives.dispose();
  maskCache.clear();
}

/**
 * The two log-terms every loss is made of, per anchor: the positive logit and the log-sum-exp of the
 * 2N−2 negative logits, both [2N]. Inputs must already be unit-norm.
 */
export function anchorTerms(
  z1n: tf.Tensor2D,
  z2n: tf.Tensor2D,
  temperature: number,
): { pos: tf.Tensor1D; logNeg: tf.Tensor1D } {
  return tf.tidy(() => {
    const n = z1n.shape[0];
    const z = tf.concat([z1n, z2n], 0);
    const logits = tf.div(tf.matMul(z, z, false, true), temperature);
    const posHalf = tf.div(tf.sum(tf.mul(z1n, z2n), 1), temperature);
    const pos = tf.concat([posHalf, posHalf], 0) as tf.Tensor1D;
    const masked = tf.add(logits, masksFor(n).negatives);
    // |logits| ≤ 1/τ. Up to PLAIN_LSE_MAX_INV_TEMPERATURE a plain log(Σ exp) cannot overflow float32 and its
    // gradient is cheaper; beyond it (e.g. τ = 0.01, logits near 100) the max-shifted tf.logSumExp keeps it finite.
    const logNeg = (1 / temperature <= PLAIN_LSE_MAX_INV_TEMPERATURE ? tf.log(tf.sum(tf.exp(masked), 1)) : tf.logSumExp(masked, 1)) as tf.Tensor1D;
    return { pos, logNeg };
  });
}

/** DCLW's per-sample positive weight w_i = 2 − N·softmax_i(⟨z1_i, z2_i⟩/σ), carrying no gradient. */
export function dclwWeights(z1n: tf.Tensor2D, z2n: tf.Tensor2D, sigma: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = z1n.shape[0];
    const sim = tf.div(tf.sum(tf.mul(z1n, z2n), 1), sigma);
    const w = tf.sub(2, tf.mul(n, tf.softmax(sim)));
    return stopGradient(w) as tf.Tensor1D;
  });
}

export interface LossOptions {
  temperature?: number;
  sigma?: number;
}

function checkInputs(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): void {
  if (z1.rank !== 2 || z2.rank !== 2) throw new Error(`embeddings must be 2-D [N, d]; got ranks ${z1.rank} and ${z2.rank}`);
  if (z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]) {
    throw new Error(`z1 and z2 must have the same shape; got [${z1.shape}] and [${z2.shape}]`);
  }
  if (z1.shape[0] < 2) throw new Error(`need at least 2 samples per view (N ≥ 2) to have negatives; got N = ${z1.shape[0]}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`temperature must be a positive number; got ${temperature}`);
}

/** Per-anchor loss values [2N] from the normalised embeddings, and the margin logNeg − pos they share. */
function perAnchor(kind: LossKind, z1n: tf.Tensor2D, z2n: tf.Tensor2D, temperature: number, sigma: number): { losses: tf.Tensor1D; margin: tf.Tensor1D } {
  const { pos, logNeg } = anchorTerms(z1n, z2n, temperature);
  const margin = tf.sub(logNeg, pos) as tf.Tensor1D;
  switch (kind) {
    case 'infonce':
      // −pos + log(e^pos + Σneg) = softplus(logNeg − pos): exact even when the loss is ~1e-8.
      return { losses: tf.softplus(margin) as tf.Tensor1D, margin };
    case 'dcl':
      return { losses: margin, margin };
    case 'dclw': {
      const w = dclwWeights(z1n, z2n, sigma);
      return { losses: tf.sub(logNeg, tf.mul(tf.concat([w, w], 0), pos)) as tf.Tensor1D, margin };
    }
    default:
      throw new Error(`unknown loss "${kind as string}"; use one of infonce, dcl, dclw`);
  }
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
