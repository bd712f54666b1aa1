/**
 * The training step: both views through the models as one batch when no layer looks across the batch
 * (the same loss, NPC multipliers and update as two passes), two passes when batch norm is present.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { applyModel, buildEncoder, buildProjectionHead, featureDim } from '../src/trainer/encoders';
import { augmentBatch, defaultAugmentOptions } from '../src/trainer/augment';
import { lossWithNpc } from '../src/trainer/losses';
import { makeOptimizer } from '../src/trainer/optimizer';
import { trainStep, trainableVariables, viewsCanShareABatch, type StepModels, type StepSettings } from '../src/trainer/step';
import { assertAllClose, seededNormal, useCpu } from './helpers/tf';

const SGD = { kind: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, warmupEpochs: 0, schedule: 'constant' } as const;

function models(kind: 'mlp' | 'cnn'): StepModels {
  const encoder = buildEncoder(kind, [8, 8, 1], 3);
  const head = buildProjectionHead(featureDim(kind), [16, 8], 4);
  return { encoder, head, vars: trainableVariables(encoder, head), optimizer: makeOptimizer(SGD) };
}

describe('training step', () => {
  before(useCpu);

  it('shares one batch for the views only when no layer depends on the batch', () => {
    const mlp = models('mlp');
    const cnn = models('cnn');
    assert.equal(viewsCanShareABatch(mlp), true);
    assert.equal(viewsCanShareABatch(cnn), false, 'batch norm keeps per-view statistics');
    for (const m of [mlp, cnn]) {
      m.encoder.dispose();
      m.head.dispose();
    }
  });

  for (const loss of ['dcl', 'infonce', 'dclw'] as const) {
    it(`one batch of 2N gives the two-pass loss, NPC multipliers and update (${loss})`, async () => {
      const rnd = seededNormal(11);
      const batch = tf.tensor4d(Float32Array.from({ length: 6 * 64 }, () => Math.min(1, Math.abs(rnd()) / 2)), [6, 8, 8, 1]);
      const s: StepSettings = { loss, temperature: 0.2, sigma: 0.5, augment: defaultAugmentOptions(1, true), seeds: [5, 6] };
      const shared = models('mlp');
      const reference = models('mlp');
      const outcome = await trainStep(shared, batch, s);

      // The same step with a pass per view, written out.
      const [x1, x2] = tf.tidy(() => [augmentBatch(batch, s.augment, s.seeds[0]), augmentBatch(batch, s.augment, s.seeds[1])]);
      let npc: Float32Array | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const embed = (x: tf.Tensor) => applyModel(reference.head, applyModel(reference.encoder, x, true), true);
        const out = lossWithNpc(loss, embed(x1), embed(x2), { temperature: s.temperature, sigma: s.sigma });
        npc = out.npc.dataSync() as Float32Array;
        return out.loss;
      }, reference.vars);
      const referenceLoss = value.dataSync()[0];
      reference.optimizer.apply(grads, reference.vars);

      assertAllClose([outcome.loss], [referenceLoss], 1e-5, 1e-6, 'loss');
      assertAllClose(outcome.npc, npc!, 1e-5, 1e-6, 'NPC multipliers (view-1 anchors, then view-2)');
      shared.vars.forEach((v, i) => assertAllClose(v.dataSync(), reference.vars[i].dataSync(), 1e-5, 1e-6, `updated ${v.name}`));
      tf.dispose([batch, x1, x2, value]);
      for (const m of [shared, reference]) {
        m.encoder.dispose();
        m.head.dispose();
        m.optimizer.dispose();
      }
    });
  }
});
