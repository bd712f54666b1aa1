/**
 * The networks a run trains (encoder, projection head, optimizer) and the memory check that decides, before the
 * first step, how a step is computed and whether the run fits at all.
 */
import * as tf from '@tensorflow/tfjs';
import { STEP_MEMORY_MODES, type RunConfig, type RunMemory, type StepMemory } from '../../shared/protocol';
import { buildEncoder, buildProjectionHead, featureDim } from '../encoders';
import { estimateMemory, memoryRefusal } from '../memoryEstimate';
import { makeOptimizer } from '../optimizer';
import { deriveSeed } from '../random';
import { trainableVariables, type StepModels } from '../step';
import type { RunContext } from './runContext';
import type { TrainingData } from './trainingData';

/** Fresh, seeded models; a resumed run overwrites their weights from its checkpoint. */
export function buildModels(config: RunConfig, { data }: TrainingData): StepModels {
  const encoder = buildEncoder(config.encoder, [data.height, data.width, data.channels], deriveSeed(config.seed, 1));
  const head = buildProjectionHead(featureDim(config.encoder), config.projection, deriveSeed(config.seed, 2));
  const optimizer = makeOptimizer(config.optimizer);
  return { encoder, head, vars: trainableVariables(encoder, head), optimizer };
}

export function disposeModels(models: StepModels): void {
  models.optimizer.dispose();
  models.encoder.dispose();
  models.head.dispose();
}

/**
 * Predicts the run's peak memory before its first step, picks the step mode that fits, and refuses a run that
 * cannot fit with one line naming the number, the limit and the fix. DCL_STEP_MEMORY=whole|per-view forces a mode.
 */
export function checkMemory(
  ctx: RunContext,
  config: RunConfig,
  backend: string,
  models: { encoder: tf.LayersModel; head: tf.LayersModel },
  { data, pool }: TrainingData,
): RunMemory {
  const forced = process.env.DCL_STEP_MEMORY;
  if (forced !== undefined && !STEP_MEMORY_MODES.includes(forced as StepMemory)) {
    throw new Error(`DCL_STEP_MEMORY must be one of ${STEP_MEMORY_MODES.join(', ')}; got "${forced}"`);
  }
  const splits = [pool, data.test];
  const datasetBytes = splits.reduce((a, s) => a + s.images.byteLength + s.labels.byteLength, 0);
  const estimate = estimateMemory(
    { ...models, batchSize: config.batchSize, backend, datasetBytes, featureImages: data.train.count + data.test.count },
    forced as StepMemory | undefined,
  );
  const refusal = memoryRefusal(estimate, { encoder: config.encoder, batchSize: config.batchSize, shape: [data.height, data.width, data.channels], backend });
  if (refusal) throw new Error(refusal);
  ctx.log(`memory: about ${(estimate.peakMiB / 1024).toFixed(1)} GiB at the peak (${estimate.step} step; limit ${estimate.limitWhat})`);
  return { estimatedPeakMiB: Math.round(estimate.peakMiB), limitMiB: Math.round(estimate.limitMiB), step: estimate.step };
}
