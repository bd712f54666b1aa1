/**
 * The optimizer's state as plain numbers, so a checkpoint can carry it and a resumed run continues the same
 * updates: Adam's moments and step count, SGD's momentum. Slots are listed per variable in the order of the
 * step's variable list (encoder then head, each in model order), not by tfjs variable name: names carry
 * per-process counters (dense_Dense3/kernel) and differ between the run that saved and the one that loads.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind } from '../shared/protocol';

export interface OptimizerState {
  kind: OptimizerKind;
  /** Updates applied so far (Adam's t). */
  updates: number;
  /** Per variable: Adam [m, v], SGD [momentum]; empty before the first update. */
  slots: Float32Array[][];
  /**
   * tfjs Adam's running β₁ᵗ⁺¹ and β₂ᵗ⁺¹, float32 products of every step; restored as they were because
   * recomputing them as powers differs in the last bits. Absent for the native Adam, which uses `updates`.
   */
  betaPowers?: [number, number];
}

/** What checkpoint.json records of the state; the slot values go to a binary file beside it. */
export interface OptimizerStateManifest {
  kind: OptimizerKind;
  updates: number;
  betaPowers?: [number, number];
  /** Values per slot, per variable, in the binary file's order. */
  slotSizes: number[][];
}

export function encodeOptimizerState(state: OptimizerState): { manifest: OptimizerStateManifest; bytes: Uint8Array } {
  const slotSizes = state.slots.map((slots) => slots.map((s) => s.length));
  const total = slotSizes.flat().reduce((a, n) => a + n, 0);
  const values = new Float32Array(total);
  let at = 0;
  for (const s of state.slots.flat()) {
    values.set(s, at);
    at += s.length;
  }
  const manifest: OptimizerStateManifest = { kind: state.kind, updates: state.updates, slotSizes, ...(state.betaPowers ? { betaPowers: state.betaPowers } : {}) };
  return { manifest, bytes: new Uint8Array(values.buffer) };
}

/** Throws one line naming the mismatch when the binary file does not hold what the manifest lists. */
export function decodeOptimizerState(manifest: OptimizerStateManifest, bytes: Uint8Array): OptimizerState {
  const total = manifest.slotSizes.flat().reduce((a, n) => a + n, 0);
  if (bytes.byteLength !== total * 4) {
    throw new Error(`the optimizer state holds ${bytes.byteLength} bytes but its manifest lists ${total} float32 values (${total * 4} bytes)`);
  }
  // Copy: the file's buffer may not be 4-byte aligned.
  const values = new Float32Array(bytes.slice().buffer);
  let at = 0;
  const slots = manifest.slotSizes.map((sizes) =>
    sizes.map((n) => {
      const s = values.slice(at, at + n);
      at += n;
      return s;
    }),
  );
  return { kind: manifest.kind, updates: manifest.updates, slots, ...(manifest.betaPowers ? { betaPowers: manifest.betaPowers } : {}) };
}

/** Checks that `state` fits `vars` (same count and sizes), naming the first difference. */
export function checkStateFits(state: OptimizerState, vars: tf.Variable[], slotsPerVariable: number): void {
  if (state.slots.length === 0) return;
  if (state.slots.length !== vars.length) {
    throw new Error(`the checkpoint's optimizer state has ${state.slots.length} variables but the model has ${vars.length}; the run's config no longer matches its checkpoint`);
  }
  state.slots.forEach((slots, i) => {
    if (slots.length !== slotsPerVariable || slots.some((s) => s.length !== vars[i].size)) {
      throw new Error(`the checkpoint's optimizer state for variable ${i} (${vars[i].name}, ${vars[i].size} values) does not fit; the run's config no longer matches its checkpoint`);
    }
  });
}

/** tfjs's Adam and Momentum optimizers' private fields that their getWeights/setWeights do not cover. */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Reads a tfjs Adam or Momentum optimizer's state; its slots must have been created in `vars` order. */
export async function readTfjsState(kind: OptimizerKind, optimizer: tf.Optimizer, vars: tf.Variable[]): Promise<OptimizerState> {
  const [iter, ...weights] = await optimizer.getWeights();
  const updates = (await iter.tensor.data())[0];
  iter.tensor.dispose();
  const perVar = kind === 'adam' ? 2 : 1;
  const n = weights.length / perVar;
  const slots: Float32Array[][] = [];
  for (let i = 0; i < n; i++) {
    const own: Float32Array[] = [];
    for (let k = 0; k < perVar; k++) own.push((await weights[k * n + i].tensor.data()) as Float32Array);
    slots.push(own);
  }
  checkStateFits({ kind, updates, slots }, vars, perVar);
  if (kind !== 'adam') return { kind, updates, slots };
  const powers = optimizer as unknown as AdamPowers;
  const betaPowers: [number, number] = [(await powers.accBeta1.data())[0], (await powers.accBeta2.data())[0]];
  return { kind, updates, slots, betaPowers };
}

/** Loads `state` into a fresh tfjs Adam or Momentum optimizer whose gradients will be applied in `vars` order. */
export async function writeTfjsState(state: OptimizerState, optimizer: tf.Optimizer, vars: tf.Variable[]): Promise<void> {
  const perVar = state.kind === 'adam' ? 2 : 1;
  checkStateFits(state, vars, perVar);
  // No update yet: a fresh optimizer is that state.
  if (state.slots.length === 0) return;
  const suffixes = state.kind === 'adam' ? ['m', 'v'] : ['momentum'];
  const named: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(state.updates, 'int32') }];
  for (let k = 0; k < perVar; k++) {
    state.slots.forEach((slots, i) => named.push({ name: `${vars[i].name}/${suffixes[k]}`, tensor: tf.tensor(slots[k], vars[i].shape) }));
  }
  await optimizer.setWeights(named);
  // setWeights made variables of its own from these tensors.
  tf.dispose(named.map((w) => w.tensor));
  if (state.kind === 'adam' && state.betaPowers) {
    const powers = optimizer as unknown as AdamPowers;
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(state.betaPowers![0]));
      powers.accBeta2.assign(tf.scalar(state.betaPowers![1]));
    });
  }
}
