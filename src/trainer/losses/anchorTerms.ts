/**
 * What every contrastive loss is made of, per anchor: the positive logit and the log-sum-exp of the
 * negative logits, from L2-normalised embeddings; plus the stop-gradient and input checks they share.
 *
 * Conventions follow lightly's NTXentLoss / DCLLoss / DCLWLoss: embeddings are L2-normalised here,
 * each of the 2N anchors has one positive (its other view) and 2N−2 negatives (every other embedding of
 * both views), and a loss is the mean over all 2N anchors. Anchor order is view-1 anchors, then view-2.
 */
import * as tf from '@tensorflow/tfjs';

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
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([]);
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

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

export function checkInputs(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): void {
  if (z1.rank !== 2 || z2.rank !== 2) throw new Error(`embeddings must be 2-D [N, d]; got ranks ${z1.rank} and ${z2.rank}`);
  if (z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]) {
    throw new Error(`z1 and z2 must have the same shape; got [${z1.shape}] and [${z2.shape}]`);
  }
  if (z1.shape[0] < 2) throw new Error(`need at least 2 samples per view (N ≥ 2) to have negatives; got N = ${z1.shape[0]}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`temperature must be a positive number; got ${temperature}`);
}

/** What a loss's per-anchor formula receives: the normalised views and the two log-terms, all for 2N anchors. */
export interface AnchorInputs {
  z1n: tf.Tensor2D;
  z2n: tf.Tensor2D;
  /** ⟨z_i, z_partner⟩/τ, [2N]. */
  pos: tf.Tensor1D;
  /** log Σ over the 2N−2 negatives of e^s, [2N]. */
  logNeg: tf.Tensor1D;
}

/** A loss's tensor code: the per-anchor values whose mean is the loss. Called inside a tidy. */
export interface LossImplementation {
  perAnchor(inputs: AnchorInputs, settings: { sigma: number }): tf.Tensor1D;
}
