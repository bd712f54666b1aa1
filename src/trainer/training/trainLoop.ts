/**
 * The training loop: epochs of seeded batch orders, one optimizer step per batch, the periodic events, kNN
 * evaluations and checkpoints between them, and the stop request polled after every step.
 */
import { imageBatch } from '../features';
import { simulatedWasmAbort } from '../fatalErrors';
import { learningRateAt } from '../schedule';
import { trainStep } from '../step';
import { augmentSeeds, epochOrder } from '../trainRandom';
import type { SplitFeatures } from './evaluator';
import { finishRun } from './finishRun';
import { MetricsWindow } from './metricsWindow';
import { finalOf, type TrainResult } from './runContext';
import type { TrainingRun } from './trainingRun';

export async function trainLoop(run: TrainingRun): Promise<TrainResult> {
  const { ctx, config, plan, evaluator, checkpointer } = run;
  const window = new MetricsWindow();
  for (let epoch = plan?.epoch ?? 0; epoch < config.epochs; epoch++) {
    const stopped = await trainEpoch(run, epoch, window);
    if (stopped) return stopped;
    const last = epoch === config.epochs - 1;
    // eval.linear reuses the last kNN evaluation's features, before the run is recorded finished.
    const linear = last && config.eval.linear ? (f: SplitFeatures) => evaluator.linear(f) : undefined;
    if (last || (config.knn.everyEpochs > 0 && ctx.epoch % config.knn.everyEpochs === 0)) await evaluator.knn(true, linear);
    ctx.folder.updateStatus({ step: ctx.step, epoch: ctx.epoch, final: finalOf(run.metrics) });
    if (!last) await checkpointer.save(run.position);
    if (ctx.stopRequested()) return await finishRun(run, 'stopped', run.position, ctx.stopReason());
  }
  return await finishRun(run, 'finished', run.position);
}

/** One epoch's steps; a stop request ends the run (the returned result), otherwise undefined. */
async function trainEpoch(run: TrainingRun, epoch: number, window: MetricsWindow): Promise<TrainResult | undefined> {
  const { ctx, config, plan, stepsPerEpoch } = run;
  const epochStart = Date.now();
  // A resumed run re-enters its checkpoint's epoch after the steps it had done.
  const resumedHere = plan !== undefined && epoch === plan.epoch;
  run.position = resumedHere ? { stepInEpoch: plan.point.stepInEpoch, epochLossSum: plan.point.metrics.epochLossSum } : { stepInEpoch: 0, epochLossSum: 0 };
  const order = epochOrder(config.seed, epoch, run.td.pool.count);
  for (let s = run.position.stepInEpoch; s < stepsPerEpoch; s++) {
    await trainOneStep(run, order, s, window);
    if (config.knn.everySteps > 0 && ctx.step % config.knn.everySteps === 0) await run.evaluator.knn(false);
    // tfjs's awaits resolve as microtasks, so without this macrotask turn a SIGTERM or IPC stop would only
    // be seen at the end of the epoch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (ctx.stopRequested()) {
      ctx.log(`stop requested: finishing at step ${ctx.step}`);
      return await finishRun(run, 'stopped', run.position, ctx.stopReason());
    }
  }
  ctx.epoch = epoch + 1;
  const meanLoss = run.position.epochLossSum / stepsPerEpoch;
  run.position = { stepInEpoch: 0, epochLossSum: 0 };
  ctx.emit({ type: 'epoch', meanLoss, seconds: (Date.now() - epochStart) / 1000 });
  return undefined;
}

/** Step `s` of the epoch whose batch order is `order`; a step whose loss is not finite is not applied and throws. */
async function trainOneStep(run: TrainingRun, order: Int32Array, s: number, window: MetricsWindow): Promise<void> {
  const { ctx, config, models, td } = run;
  const lr = learningRateAt(ctx.step, run.totalSteps, run.stepsPerEpoch, config.optimizer);
  models.optimizer.setLearningRate(lr);
  run.inStep = true;
  const batch = imageBatch(td.pool, order.subarray(s * config.batchSize, (s + 1) * config.batchSize), td.shape);
  const outcome = await trainStep(models, batch, {
    loss: config.loss,
    temperature: config.temperature,
    sigma: config.sigma,
    augment: td.augment,
    seeds: augmentSeeds(config.seed, ctx.step),
    poison: ctx.hooks.injectNonFiniteAtStep === ctx.step,
    memory: run.memory.step,
  });
  if (ctx.hooks.injectRuntimeAbortAtStep === ctx.step) throw simulatedWasmAbort();
  batch.dispose();
  // A step whose loss is not finite was not applied (step.ts), so the weights are still the last step's.
  run.inStep = false;
  if (!outcome.applied) throw new Error(`non-finite loss at step ${ctx.step}`);
  ctx.step++;
  run.metrics.lastLoss = outcome.loss;
  run.position = { stepInEpoch: s + 1, epochLossSum: run.position.epochLossSum + outcome.loss };
  window.add(outcome.npc, config.batchSize);
  if (ctx.step % config.logEvery === 0 || s === run.stepsPerEpoch - 1) window.flush(ctx, outcome.loss, lr);
}
