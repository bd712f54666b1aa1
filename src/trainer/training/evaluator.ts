/**
 * The run's evaluations on frozen encoder features: the weighted-kNN monitor (labelled train split as the bank,
 * test split as queries), the embedding snapshots taken from the same features, and after the last epoch the
 * linear evaluation (eval.linear) on those features again rather than encoding the splits a second time.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../shared/protocol';
import { encodeImages } from '../features';
import { knnAccuracy } from '../knn';
import { LinearEvalAbandoned } from '../linear/linearEval';
import { formatLinearResult, linearEvalOfFeatures } from '../linear/evaluateRun';
import type { StepModels } from '../step';
import { writeEmbeddings } from './embeddingSnapshots';
import type { RunContext, RunMetrics } from './runContext';
import type { TrainingData } from './trainingData';

/** Both splits' encoder features; valid only during the callback that receives them. */
export interface SplitFeatures {
  train: tf.Tensor2D;
  test: tf.Tensor2D;
}

export class Evaluator {
  constructor(
    private readonly ctx: RunContext,
    private readonly config: RunConfig,
    private readonly td: TrainingData,
    private readonly models: Pick<StepModels, 'encoder' | 'head'>,
    private readonly metrics: RunMetrics,
  ) {}

  /**
   * kNN accuracy now (a `knn` event and a log line), then `withEmbeddings` snapshots and `andThen` on the same
   * features before they are freed.
   */
  async knn(withEmbeddings: boolean, andThen?: (features: SplitFeatures) => Promise<void>): Promise<number> {
    const { ctx, config, td, models, metrics } = this;
    const { data, shape } = td;
    const t0 = Date.now();
    const bank = await encodeImages(models.encoder, data.train, data.train.count, shape);
    const queries = await encodeImages(models.encoder, data.test, data.test.count, shape);
    try {
      const acc = await knnAccuracy(bank, data.train.labels, queries, data.test.labels, data.numClasses, { k: config.knn.k, t: config.knn.t });
      metrics.lastKnn = acc;
      metrics.bestKnn = Math.max(metrics.bestKnn, acc);
      ctx.emit({ type: 'knn', accuracy: acc, k: Math.min(config.knn.k, data.train.count), t: config.knn.t });
      ctx.log(`kNN accuracy ${(acc * 100).toFixed(2)}% at step ${ctx.step} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      if (withEmbeddings) await writeEmbeddings(ctx, config, data, queries, models.head);
      if (andThen) await andThen({ train: bank, test: queries });
      return acc;
    } finally {
      bank.dispose();
      queries.dispose();
    }
  }

  /**
   * eval.linear: the linear evaluation `dcl-explorer eval` runs (same function), on the features the last kNN
   * evaluation has just computed. It records a `linear` event and final.linearAccuracy. A stop request abandons it
   * between fits (the run then ends `stopped` as usual); any other failure is logged and the run still finishes,
   * since its training is complete and `dcl-explorer eval` can evaluate the checkpoint later.
   */
  async linear(features: SplitFeatures): Promise<void> {
    const { ctx, config, td, metrics } = this;
    try {
      const options = { seed: config.seed, onLog: (line: string) => ctx.log(line), shouldStop: () => ctx.stopRequested() };
      const { body } = await linearEvalOfFeatures(features, td.data, options);
      metrics.linearAccuracy = body.accuracy;
      ctx.emit(body);
      ctx.log(formatLinearResult({ ...body, epoch: ctx.epoch }));
    } catch (e) {
      if (e instanceof LinearEvalAbandoned) ctx.log(`${e.message} (run it later with dcl-explorer eval)`);
      else ctx.log(`linear evaluation failed: ${e instanceof Error ? e.message : String(e)}; the run finishes without it (dcl-explorer eval can run it on the checkpoint)`);
    }
  }
}
