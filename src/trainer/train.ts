/**
 * One SimCLR-style training run: two augmentations of each image → encoder → projection head → loss,
 * with the NPC multiplier of every batch and a weighted-kNN monitor on the encoder features.
 *
 * Progress fields of every event: `step` = training steps completed, `epoch` = epochs completed, at the
 * moment the event is written (so the pre-training kNN is step 0, epoch 0).
 *
 * This file opens and closes the run (runTraining records every ending) and assembles its parts (train); each
 * part is one file under training/: backendRecord, trainingData, models (and the memory check), evaluator (kNN,
 * embedding snapshots), checkpointer, metricsWindow, trainLoop and finishRun.
 */
import * as path from 'node:path';
import { EVENT_SCHEMA_VERSION, RUN_FILES, type BackendInfo, type RunConfig, type RunMemory } from '../shared/protocol';
import { ConfigError, resolveConfig } from '../shared/runConfig';
import { recoverCheckpointRotation } from './checkpoint';
import { describeFailure } from './fatalErrors';
import { checkPlanFitsConfig, planResume, restoreCheckpoint, type ResumePlan } from './resume';
import { setQuitRecorder } from './quitRecorder';
import { RunFolder } from './runFolder';
import type { StepModels } from './step';
import { startBackend } from './training/backendRecord';
import { Checkpointer } from './training/checkpointer';
import { Evaluator } from './training/evaluator';
import { buildModels, checkMemory, disposeModels } from './training/models';
import { RunContext, type RunMetrics, type TrainHooks, type TrainResult } from './training/runContext';
import { loadTrainingData, type TrainingData } from './training/trainingData';
import { keepingLastGoodStep, RunFailure } from './training/failureCheckpoint';
import { trainLoop } from './training/trainLoop';
import type { TrainingRun } from './training/trainingRun';

export type { TrainHooks, TrainResult };

/** The test hooks set by DCL_INJECT_NONFINITE_AT_STEP and DCL_INJECT_ABORT_AT_STEP (whole step numbers). */
export function injectedFailures(env: Record<string, string | undefined>): Pick<TrainHooks, 'injectNonFiniteAtStep' | 'injectRuntimeAbortAtStep'> {
  const at = (name: string) => {
    const v = env[name] === undefined || env[name] === '' ? NaN : Number(env[name]);
    return Number.isInteger(v) ? v : undefined;
  };
  return { injectNonFiniteAtStep: at('DCL_INJECT_NONFINITE_AT_STEP'), injectRuntimeAbortAtStep: at('DCL_INJECT_ABORT_AT_STEP') };
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
  } catch (thrown) {
    // A failure in the loop comes with what became of the last good step's checkpoint (failureCheckpoint.ts).
    const e: unknown = thrown instanceof RunFailure ? thrown.original : thrown;
    const reason = describeFailure(e, { ...ctx.failure, step: ctx.step }) + (thrown instanceof RunFailure ? thrown.note : '');
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

/** Backend, data, models, then the loop; the models are freed however it ends. */
async function train(ctx: RunContext, config: RunConfig, plan?: ResumePlan): Promise<TrainResult> {
  const backend = await startBackend(config, ctx);
  const td = loadTrainingData(config, ctx);
  const models = buildModels(config, td);
  try {
    const memory = checkMemory(ctx, config, backend.name, models, td);
    const run = await assemble(ctx, config, plan, { td, models, memory, backend });
    // The step-0 kNN is the curve's origin; a resumed run already has it.
    if (!plan) await run.evaluator.knn(false);
    return await keepingLastGoodStep(run, () => trainLoop(run));
  } finally {
    disposeModels(models);
  }
}

/** Restores a resumed run's checkpoint, announces the run (`started` or `resumed`) and wires its parts. */
async function assemble(
  ctx: RunContext,
  config: RunConfig,
  plan: ResumePlan | undefined,
  parts: { td: TrainingData; models: StepModels; memory: RunMemory; backend: BackendInfo },
): Promise<TrainingRun> {
  const { td, models, memory, backend } = parts;
  const stepsPerEpoch = Math.floor(td.pool.count / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  if (plan) {
    checkPlanFitsConfig(plan, config.seed);
    await restoreCheckpoint(plan, models);
    ctx.step = plan.step;
    ctx.epoch = plan.epoch;
    ctx.log(`resuming from the checkpoint at step ${plan.step} (epoch ${plan.epoch}, step ${plan.point.stepInEpoch} of it); ${plan.lostSteps} step(s) after it are trained again`);
  }
  ctx.folder.updateStatus({ backend, totalSteps, step: ctx.step, epoch: ctx.epoch });
  if (plan) ctx.emit({ type: 'resumed', lostSteps: plan.lostSteps, from: plan.from, backend, totalSteps });
  else ctx.emit({ type: 'started', schemaVersion: EVENT_SCHEMA_VERSION, config, backend, memory, totalSteps, trainSize: td.pool.count, testSize: td.data.test.count });
  const metrics = metricsOf(plan);
  return {
    ctx,
    config,
    plan,
    td,
    models,
    memory,
    stepsPerEpoch,
    totalSteps,
    metrics,
    evaluator: new Evaluator(ctx, config, td, models, metrics),
    checkpointer: new Checkpointer(ctx, config, models, metrics, plan?.step),
    position: { stepInEpoch: 0, epochLossSum: 0 },
    inStep: false,
  };
}

/** A JSON number that may have been written as null (NaN and ±Infinity are). */
const restored = (value: number | null | undefined, fallback: number): number => (typeof value === 'number' ? value : fallback);

/** The numbers a resumed run continues from (its checkpoint's), or a fresh run's. */
function metricsOf(plan: ResumePlan | undefined): RunMetrics {
  const was = plan?.point.metrics;
  return { lastLoss: restored(was?.lastLoss, NaN), lastKnn: restored(was?.lastKnn, NaN), bestKnn: restored(was?.bestKnn, -Infinity) };
}
