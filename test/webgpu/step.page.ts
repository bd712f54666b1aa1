/**
 * Browser side of the webgpu step test: the trainer's training step (src/trainer/step.ts) on a named tfjs
 * backend, from weights and a batch that are the same on every backend (seeded), returning what the Node side
 * compares: loss, NPC multipliers and the first and last variables before and after the update.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { EncoderKind, LossKind } from '../../src/shared/protocol';
import { defaultAugmentOptions } from '../../src/trainer/augment';
import { buildEncoder, buildProjectionHead, featureDim } from '../../src/trainer/encoders';
import { makeOptimizer } from '../../src/trainer/optimizer';
import { trainableVariables, trainStep } from '../../src/trainer/step';
import { seededNormal } from '../helpers/seeded';

export interface StepCase {
  backend: string;
  encoder: EncoderKind;
  loss: LossKind;
  shape: [number, number, number];
  batch: number;
}

export interface StepResult {
  backend: string;
  adapter: string;
  loss: number;
  npc: number[];
  applied: boolean;
  /** The first and last variables' values before and after the update (first conv or dense kernel, last bias). */
  ends: { name: string; before: number[]; after: number[] }[];
  /** Every variable's update size, ‖after − before‖₂, in trainableVariables order: a wrong gradient anywhere shows. */
  updateNorms: number[];
  /** Live tensors after the step minus before it: the step must not leak. */
  leaked: number;
}

async function adapterName(): Promise<string> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor: string; architecture: string } } | null> } }).gpu;
  const a = await gpu?.requestAdapter();
  return a?.info ? `${a.info.vendor} ${a.info.architecture}` : 'none';
}

async function runStep(c: StepCase): Promise<StepResult> {
  if (!(await tf.setBackend(c.backend))) throw new Error(`tf.setBackend('${c.backend}') failed`);
  await tf.ready();
  const encoder = buildEncoder(c.encoder, c.shape, 3);
  const head = buildProjectionHead(featureDim(c.encoder), [32, 16], 4);
  const vars = trainableVariables(encoder, head);
  const optimizer = makeOptimizer({ kind: 'sgd', lr: 0.5, momentum: 0.9, weightDecay: 5e-4, warmupEpochs: 0, schedule: 'constant' });
  const rnd = seededNormal(7);
  const size = c.batch * c.shape[0] * c.shape[1] * c.shape[2];
  const batch = tf.tensor4d(Float32Array.from({ length: size }, () => Math.min(1, Math.abs(rnd()) / 2)), [c.batch, ...c.shape]);
  const before = await Promise.all(vars.map((v) => v.data()));
  const tensors = tf.memory().numTensors;
  const rgb = c.shape[2] === 3;
  const out = await trainStep({ encoder, head, vars, optimizer }, batch, {
    loss: c.loss,
    temperature: 0.2,
    sigma: 0.5,
    augment: defaultAugmentOptions(rgb ? 3 : 1, !rgb),
    seeds: [11, 12],
  });
  const leaked = tf.memory().numTensors - tensors;
  const after = await Promise.all(vars.map((v) => v.data()));
  const result: StepResult = {
    backend: tf.getBackend(),
    adapter: c.backend === 'webgpu' ? await adapterName() : 'cpu',
    loss: out.loss,
    npc: Array.from(out.npc),
    applied: out.applied,
    ends: [0, vars.length - 1].map((i) => ({ name: vars[i].name, before: Array.from(before[i]), after: Array.from(after[i]) })),
    updateNorms: vars.map((_, i) => {
      let sum = 0;
      for (let j = 0; j < after[i].length; j++) sum += (after[i][j] - before[i][j]) ** 2;
      return Math.sqrt(sum);
    }),
    leaked,
  };
  batch.dispose();
  optimizer.dispose();
  encoder.dispose();
  head.dispose();
  return result;
}

(globalThis as unknown as { runStep: typeof runStep }).runStep = runStep;
