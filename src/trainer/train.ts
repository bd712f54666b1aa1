/**
 * One SimCLR-style training run: two augmentations of each image → encoder → projection head → loss,
 * with the NPC multiplier of every batch and a weighted-kNN monitor on the encoder features.
 *
 * Progress fields of every event: `step` = training steps completed, `epoch` = epochs completed, at the
 * moment the event is written (so the pre-training kNN is step 0, epoch 0).
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EVENT_SCHEMA_VERSION,
  NPC_PERCENTILES,
  RUN_FILES,
  STEP_MEMORY_MODES,
  type BackendInfo,
  type RunConfig,
  type RunEvent,
  type RunMemory,
  type RunState,
  type StepMemory,
} from '../shared/protocol';
import { ConfigError, resolveConfig } from '../shared/runConfig';
import { summarizeNpc } from '../shared/stats';
import { defaultAugmentOptions } from './augment';
import { initBackend, type BackendChoice } from './backend';
import { recoverCheckpointRotation, saveCheckpoint, type ResumePoint } from './checkpoint';
import { datasetOptionsOf, loadDataset, type Dataset, type ImageSet } from './data';
import { imageBytes } from './data/types';
import { describeFailure, simulatedWasmAbort, type FailureContext } from './fatalErrors';
import { estimateMemory, memoryRefusal } from './memoryEstimate';
import { embeddingsDir, writeEmbedding, writeSampleImages } from './embeddings/format';
import { applyModel, buildEncoder, buildProjectionHead, encoderUsesConv, featureDim, missingConvGradientKernels } from './encoders';
import { encodeImages, imageBatch, type ImageShape } from './features';
import { knnAccuracy } from './knn';
import { makeOptimizer } from './optimizer';
import { encodeOptimizerState } from './optimizerState';
import { deriveSeed } from './random';
import { checkPlanFitsConfig, planResume, restoreCheckpoint, type ResumePlan } from './resume';
import { augmentSeeds, epochOrder, rngState } from './trainRandom';
import { setQuitRecorder } from './quitRecorder';
import { RunFolder } from './runFolder';
import { TensorBoardEventFile } from './tensorboard/eventFile';
import { learningRateAt } from './schedule';
import { trainableVariables, trainStep, type StepModels } from './step';

export interface TrainHooks {
  /** Every event, after it is on disk (IPC, progress bars). */
  onEvent?: (event: RunEvent) => void;
  onLog?: (line: string) => void;
  /** Polled after every step: true finishes the step, checkpoints and ends the run as `stopped`. */
  shouldStop?: () => boolean;
  /** What asked for the stop (SIGHUP, stderr closed …), for the `stopped` reason. */
  stopWhy?: () => string | undefined;
  /** Test hook: make the loss non-finite at this step to exercise the failure path. */
  injectNonFiniteAtStep?: number;
  /** Test hook: throw the wasm runtime's heap-exhausted abort at this step, to exercise its explanation. */
  injectRuntimeAbortAtStep?: number;
}

/** The test hooks set by DCL_INJECT_NONFINITE_AT_STEP and DCL_INJECT_ABORT_AT_STEP (whole step numbers). */
export function injectedFailures(env: Record<string, string | undefined>): Pick<TrainHooks, 'injectNonFiniteAtStep' | 'injectRuntimeAbortAtStep'> {
  const at = (name: string) => {
    const v = env[name] === undefined || env[name] === '' ? NaN : Number(env[name]);
    return Number.isInteger(v) ? v : undefined;
  };
  return { injectNonFiniteAtStep: at('DCL_INJECT_NONFINITE_AT_STEP'), injectRuntimeAbortAtStep: at('DCL_INJECT_ABORT_AT_STEP') };
}

export interface TrainResult {
  state: Extract<RunState, 'finished' | 'stopped' | 'failed'>;
  error?: string;
  loss?: number;
  knnAccuracy?: number;
}

/** An event as the loop writes it: the progress fields and the time are filled in by `emit`. */
type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'step' | 'epoch' | 'time'> : never) : never;

class RunContext {
  step = 0;
  epoch = 0;
  /** What a fatal runtime error is explained with, filled in as it becomes known. */
  readonly failure: Omit<FailureContext, 'step'> = {};
  constructor(
    readonly folder: RunFolder,
    readonly hooks: TrainHooks,
  ) {
    this.tensorboard = new TensorBoardEventFile(folder.dir);
  }
  /** The same events as TensorBoard scalars and histograms, beside metrics.jsonl. */
  readonly tensorboard: TensorBoardEventFile;

  emit(event: EventBody): void {
    const full = { step: this.step, epoch: this.epoch, time: new Date().toISOString(), ...event };
    this.folder.appendEvent(full);
    this.tensorboard.write(full);
    this.hooks.onEvent?.(full);
  }

  log(line: string): void {
    this.folder.log(line);
    this.hooks.onLog?.(line);
  }
}

/** Chooses the backend; conv encoders need conv gradients, which the stock wasm backend lacks. */
async function chooseBackend(config: RunConfig, ctx: RunContext): Promise<BackendChoice> {
  const choice = await initBackend(config.backend);
  if (encoderUsesConv(config.encoder)) {
    const missing = missingConvGradientKernels(choice.name === 'tensorflow-gpu' ? 'tensorflow' : choice.name);
    if (missing.length) {
      const why = `the ${choice.name} backend has no ${missing.join(' / ')} kernel, so the ${config.encoder} encoder cannot train on it`;
      if (config.backend !== 'auto') {
        throw new Error(`${why}. Fix: use --backend auto or cpu, or --encoder mlp.`);
      }
      ctx.log(`${why}; falling back to the cpu backend`);
      const cpu = await initBackend('cpu');
      return { ...cpu, attempts: [...choice.attempts, ...cpu.attempts], details: [...cpu.details, `skipped ${choice.name}: ${why}`] };
    }
  }
  return choice;
}

function checkSizes(config: RunConfig, data: Dataset): void {
  if (data.train.count < config.batchSize) {
    throw new Error(
      `batch size ${config.batchSize} is larger than the ${data.train.count} training images; lower batchSize (--batch-size) or use more data (--subset)`,
    );
  }
  if (data.test.count === 0) throw new Error('the test split is empty, so kNN accuracy cannot be measured; raise testSubset (--test-subset)');
}

export interface TrainOptions {
  /** Continue the run from its latest checkpoint (see resume.ts); refused runs throw ResumeRefused. */
  resume?: boolean;
}

export async function runTraining(runDir: string, hooks: TrainHooks = {}, options: TrainOptions = {}): Promise<TrainResult> {
  // Checked before the folder is opened, so a refused resume leaves it as it was.
  // A checkpoint rotation a SIGKILL cut short is finished first, so the resume plan and readers find `latest`.
  recoverCheckpointRotation(path.join(runDir, RUN_FILES.checkpoints));
  const plan = options.resume ? planResume(runDir) : undefined;
  const folder = new RunFolder(runDir);
  const ctx = new RunContext(folder, hooks);
  const now = new Date().toISOString();
  folder.updateStatus(plan ? { state: 'running', resumedAt: now, endedAt: undefined, pid: process.pid, error: undefined } : { state: 'running', startedAt: now, pid: process.pid, error: undefined });
  const forgetQuit = setQuitRecorder((why) => {
    ctx.emit({ type: 'stopped', reason: `quit at once by ${why} during step ${ctx.step + 1}; the steps after the last checkpoint are lost` });
    folder.updateStatus({ state: 'stopped', endedAt: new Date().toISOString(), step: ctx.step, epoch: ctx.epoch });
  });
  try {
    return await train(ctx, resolveConfigOf(folder), plan);
  } catch (e) {
    const reason = describeFailure(e, { ...ctx.failure, step: ctx.step });
    // The log line and the event may fail too (a full disk); status.json, the state readers trust, is still written.
    ignoreFailure(() => ctx.log(`failed: ${reason}${e instanceof Error && e.stack ? `\n${e.stack}` : ''}`));
    ignoreFailure(() => ctx.emit({ type: 'failed', reason }));
    folder.updateStatus({ state: 'failed', endedAt: new Date().toISOString(), error: reason, step: ctx.step, epoch: ctx.epoch });
    return { state: 'failed', error: reason };
  } finally {
    forgetQuit();
    ignoreFailure(() => ctx.tensorboard.close());
    folder.close();
  }
}

function stopReason(hooks: TrainHooks, step: number): string {
  const why = hooks.stopWhy?.();
  return `stopped by request${why ? ` (${why})` : ''} at step ${step}`;
}

function ignoreFailure(write: () => void): void {
  try {
    write();
  } catch {
    // Reported through status.json instead.
  }
}

function resolveConfigOf(folder: RunFolder): RunConfig {
  try {
    return resolveConfig(folder.readConfig());
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(`${folder.path(RUN_FILES.config)}: ${e.message}`);
    throw e;
  }
}

/** A JSON number that may have been written as null (NaN and ±Infinity are). */
const restored = (value: number | null, fallback: number): number => (typeof value === 'number' ? value : fallback);

async function train(ctx: RunContext, config: RunConfig, plan?: ResumePlan): Promise<TrainResult> {
  const { folder, hooks } = ctx;
  const backend = await chooseBackend(config, ctx);
  const backendInfo: BackendInfo = {
    name: backend.name,
    tfjsVersion: backend.tfjsVersion,
    ...(backend.threads !== undefined ? { threads: backend.threads } : {}),
    ...(backend.native ? { native: backend.native } : {}),
    ...(backend.gpu ? { gpu: backend.gpu } : {}),
    details: backend.details,
  };
  ctx.log(`backend: ${backend.details.join(', ')}`);
  Object.assign(ctx.failure, { backend: backend.name, encoder: config.encoder, batchSize: config.batchSize });

  const data = loadDataset(datasetOptionsOf(config));
  // The contrastive loss needs no labels, so STL-10's unlabeled split can join the training pool; the kNN
  // bank stays the labelled train split.
  const pool = data.unlabeled ? joinSets(data.train, data.unlabeled, imageBytes(data)) : data.train;
  checkSizes(config, { ...data, train: pool });
  const shape: ImageShape = { height: data.height, width: data.width, channels: data.channels };
  ctx.log(`dataset ${data.name}: ${data.train.count} train / ${data.test.count} test images of ${data.height}×${data.width}×${data.channels}`);

  const encoder = buildEncoder(config.encoder, [data.height, data.width, data.channels], deriveSeed(config.seed, 1));
  const head = buildProjectionHead(featureDim(config.encoder), config.projection, deriveSeed(config.seed, 2));
  const optimizer = makeOptimizer(config.optimizer);
  const models: StepModels = { encoder, head, vars: trainableVariables(encoder, head), optimizer };
  const isDigits = config.dataset === 'mnist' || config.dataset === 'synthetic' || (config.dataset === 'idx' && data.numClasses === 10 && /mnist/i.test(data.name) && !/fashion/i.test(data.name));
  const augment = defaultAugmentOptions(data.channels, isDigits);
  const memory = checkMemory(ctx, config, backend.name, { encoder, head }, data, pool);

  const stepsPerEpoch = Math.floor(pool.count / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  if (plan) {
    checkPlanFitsConfig(plan, config.seed);
    await restoreCheckpoint(plan, models);
    ctx.step = plan.step;
    ctx.epoch = plan.epoch;
    ctx.log(`resuming from the checkpoint at step ${plan.step} (epoch ${plan.epoch}, step ${plan.point.stepInEpoch} of it); ${plan.lostSteps} step(s) after it are trained again`);
  }
  folder.updateStatus({ backend: backendInfo, totalSteps, step: ctx.step, epoch: ctx.epoch });
  if (plan) ctx.emit({ type: 'resumed', lostSteps: plan.lostSteps, from: plan.from, backend: backendInfo, totalSteps });
  else ctx.emit({ type: 'started', schemaVersion: EVENT_SCHEMA_VERSION, config, backend: backendInfo, memory, totalSteps, trainSize: pool.count, testSize: data.test.count });

  const was = plan?.point.metrics;
  let bestKnn = restored(was?.bestKnn ?? null, -Infinity);
  let lastKnn = restored(was?.lastKnn ?? null, NaN);
  const evaluate = async (withEmbeddings: boolean): Promise<number> => {
    const t0 = Date.now();
    const bank = await encodeImages(encoder, data.train, data.train.count, shape);
    const queries = await encodeImages(encoder, data.test, data.test.count, shape);
    try {
      const acc = await knnAccuracy(bank, data.train.labels, queries, data.test.labels, data.numClasses, { k: config.knn.k, t: config.knn.t });
      lastKnn = acc;
      bestKnn = Math.max(bestKnn, acc);
      ctx.emit({ type: 'knn', accuracy: acc, k: Math.min(config.knn.k, data.train.count), t: config.knn.t });
      ctx.log(`kNN accuracy ${(acc * 100).toFixed(2)}% at step ${ctx.step} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      if (withEmbeddings) await writeEmbeddings(ctx, config, data, queries, head);
      return acc;
    } finally {
      bank.dispose();
      queries.dispose();
    }
  };

  if (!plan) await evaluate(false);

  let lastLoss = restored(was?.lastLoss ?? null, NaN);
  let pendingNpc: Float32Array[] = [];
  let windowStart = Date.now();
  let windowImages = 0;
  /** Weights, optimizer state and loop position; `stepInEpoch` steps of epoch ctx.epoch are done. */
  const checkpoint = async (stepInEpoch: number, epochLossSum: number): Promise<void> => {
    const { manifest, bytes } = encodeOptimizerState(await optimizer.exportState(models.vars));
    const resume: ResumePoint = {
      stepInEpoch,
      rng: rngState(config.seed, ctx.epoch, ctx.step),
      optimizer: manifest,
      metrics: { epochLossSum, lastLoss, lastKnn, bestKnn },
    };
    const info = { step: ctx.step, epoch: ctx.epoch, time: new Date().toISOString(), resume };
    const path = await saveCheckpoint(folder.path(RUN_FILES.checkpoints), { encoder, head }, info, bytes);
    ctx.emit({ type: 'checkpoint', path: relative(folder, path) });
  };
  const finishRun = async (state: 'finished' | 'stopped', at: { stepInEpoch: number; epochLossSum: number }, reason?: string): Promise<TrainResult> => {
    await checkpoint(at.stepInEpoch, at.epochLossSum);
    if (state === 'finished') ctx.emit({ type: 'finished', loss: lastLoss, knnAccuracy: lastKnn });
    else ctx.emit({ type: 'stopped', reason: reason ?? 'stop requested' });
    folder.updateStatus({
      state,
      endedAt: new Date().toISOString(),
      step: ctx.step,
      epoch: ctx.epoch,
      final: { loss: lastLoss, knnAccuracy: lastKnn, bestKnnAccuracy: bestKnn },
    });
    ctx.log(`${state} at step ${ctx.step}: loss ${lastLoss}, kNN ${lastKnn}`);
    return { state, loss: lastLoss, knnAccuracy: lastKnn };
  };

  try {
    const firstEpoch = plan?.epoch ?? 0;
    for (let epoch = firstEpoch; epoch < config.epochs; epoch++) {
      const epochStart = Date.now();
      // A resumed run re-enters its checkpoint's epoch after the steps it had done.
      const resumedHere = plan !== undefined && epoch === firstEpoch;
      let epochLossSum = resumedHere ? plan.point.metrics.epochLossSum : 0;
      const order = epochOrder(config.seed, epoch, pool.count);
      for (let s = resumedHere ? plan.point.stepInEpoch : 0; s < stepsPerEpoch; s++) {
        const lr = learningRateAt(ctx.step, totalSteps, stepsPerEpoch, config.optimizer);
        optimizer.setLearningRate(lr);
        const idx = order.subarray(s * config.batchSize, (s + 1) * config.batchSize);
        const batch = imageBatch(pool, idx, shape);
        const outcome = await trainStep(models, batch, {
          loss: config.loss,
          temperature: config.temperature,
          sigma: config.sigma,
          augment,
          seeds: augmentSeeds(config.seed, ctx.step),
          poison: hooks.injectNonFiniteAtStep === ctx.step,
          memory: memory.step,
        });
        if (hooks.injectRuntimeAbortAtStep === ctx.step) throw simulatedWasmAbort();
        batch.dispose();
        if (!outcome.applied) throw new Error(`non-finite loss at step ${ctx.step}`);
        const lossValue = outcome.loss;
        const q = outcome.npc;
        ctx.step++;
        lastLoss = lossValue;
        epochLossSum += lossValue;
        pendingNpc.push(q);
        windowImages += config.batchSize;

        if (ctx.step % config.logEvery === 0 || s === stepsPerEpoch - 1) {
          const seconds = Math.max(1e-6, (Date.now() - windowStart) / 1000);
          ctx.emit({ type: 'step', loss: lossValue, lr, imagesPerSecond: windowImages / seconds });
          ctx.emit({ type: 'npc', summary: summarizeNpc(concat(pendingNpc), NPC_PERCENTILES) });
          pendingNpc = [];
          windowStart = Date.now();
          windowImages = 0;
        }
        if (config.knn.everySteps > 0 && ctx.step % config.knn.everySteps === 0) await evaluate(false);
        // tfjs's awaits resolve as microtasks, so without this macrotask turn a SIGTERM or IPC stop would only
        // be seen at the end of the epoch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (hooks.shouldStop?.()) {
          ctx.log(`stop requested: finishing at step ${ctx.step}`);
          return await finishRun('stopped', { stepInEpoch: s + 1, epochLossSum }, stopReason(hooks, ctx.step));
        }
      }
      ctx.epoch = epoch + 1;
      ctx.emit({ type: 'epoch', meanLoss: epochLossSum / stepsPerEpoch, seconds: (Date.now() - epochStart) / 1000 });
      const last = epoch === config.epochs - 1;
      if (last || (config.knn.everyEpochs > 0 && ctx.epoch % config.knn.everyEpochs === 0)) await evaluate(true);
      folder.updateStatus({ step: ctx.step, epoch: ctx.epoch, final: { loss: lastLoss, knnAccuracy: lastKnn, bestKnnAccuracy: bestKnn } });
      if (!last) await checkpoint(0, 0);
      if (hooks.shouldStop?.()) return await finishRun('stopped', { stepInEpoch: 0, epochLossSum: 0 }, stopReason(hooks, ctx.step));
    }
    return await finishRun('finished', { stepInEpoch: 0, epochLossSum: 0 });
  } finally {
    optimizer.dispose();
    encoder.dispose();
    head.dispose();
  }
}

/**
 * Predicts the run's peak memory before its first step, picks the step mode that fits, and refuses a run that
 * cannot fit with one line naming the number, the limit and the fix. DCL_STEP_MEMORY=whole|per-view forces a mode.
 */
function checkMemory(
  ctx: RunContext,
  config: RunConfig,
  backend: string,
  models: { encoder: tf.LayersModel; head: tf.LayersModel },
  data: Dataset,
  pool: ImageSet,
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

function joinSets(a: ImageSet, b: ImageSet, bytesPerImage: number): ImageSet {
  const images = new Uint8Array((a.count + b.count) * bytesPerImage);
  images.set(a.images.subarray(0, a.count * bytesPerImage));
  images.set(b.images.subarray(0, b.count * bytesPerImage), a.count * bytesPerImage);
  const labels = new Int32Array(a.count + b.count);
  labels.set(a.labels.subarray(0, a.count));
  labels.fill(-1, a.count);
  return { images, labels, count: a.count + b.count };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function relative(folder: RunFolder, p: string): string {
  return p.startsWith(folder.dir) ? p.slice(folder.dir.length + 1) : p;
}

/**
 * Writes the first `embeddings.maxPoints` test-split features (encoder, and optionally projection-head outputs)
 * for projections, plus their images once per run for hover thumbnails.
 */
async function writeEmbeddings(ctx: RunContext, config: RunConfig, data: Dataset, features: tf.Tensor2D, head: tf.LayersModel): Promise<void> {
  const count = Math.min(config.embeddings.maxPoints, features.shape[0]);
  if (count === 0 || config.embeddings.layers.length === 0) return;
  const indices = Int32Array.from({ length: count }, (_, i) => i);
  const labels = data.test.labels.slice(0, count);
  if (!fs.existsSync(path.join(embeddingsDir(ctx.folder.dir), 'sample-images.json'))) {
    const bytes = imageBytes(data);
    writeSampleImages(ctx.folder.dir, data.test.images.subarray(0, count * bytes), count, data.height, data.width, data.channels, indices);
  }
  for (const layer of config.embeddings.layers) {
    const rows = tf.tidy(() => {
      const f = tf.slice(features, [0, 0], [count, -1]) as tf.Tensor2D;
      return layer === 'encoder' ? f : applyModel(head, f, false);
    });
    const vectors = (await rows.data()) as Float32Array;
    const dim = rows.shape[1];
    rows.dispose();
    const rel = writeEmbedding(
      ctx.folder.dir,
      { epoch: ctx.epoch, step: ctx.step, layer, dataset: data.name, vectors, dim, labels, indices, classNames: data.classNames },
      config.embeddings.keepLast,
    );
    ctx.emit({ type: 'embedding', path: rel });
  }
}
