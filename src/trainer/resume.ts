/**
 * Resuming a run from its latest checkpoint: which runs may be resumed (checked before anything in the folder
 * is touched) and putting the checkpoint's weights, optimizer state and loop position back.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines } from '../shared/eventLog';
import { RUN_FILES, type RunState, type RunStatus } from '../shared/protocol';
import { checkSavedModel, loadModelFrom, OPTIMIZER_STATE_FILE, type CheckpointInfo, type ResumePoint } from './checkpoint';
import { decodeOptimizerState } from './optimizerState';
import type { StepModels } from './step';
import { rngState } from './trainRandom';
import { isPidAlive } from '../runFolder/processAlive';

/** A run that cannot be resumed; the message is the one line to show. */
export class ResumeRefused extends Error {}

export interface ResumePlan {
  /** checkpoints/latest */
  checkpointDir: string;
  step: number;
  epoch: number;
  point: ResumePoint;
  /** The state the run ended in. */
  from: RunState;
  /** Steps past the checkpoint that the previous process had logged. */
  lostSteps: number;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new ResumeRefused(`cannot resume: ${file} is unreadable (${(e as Error).message}); the ${what} is damaged`);
  }
}

/** Refuses (ResumeRefused) a folder that is not a run, a run that is running or finished, or one without a usable checkpoint. */
export function planResume(runDir: string): ResumePlan {
  const statusFile = path.join(runDir, RUN_FILES.status);
  if (!fs.existsSync(path.join(runDir, RUN_FILES.config)) || !fs.existsSync(statusFile)) {
    throw new ResumeRefused(`cannot resume: ${runDir} is not a run folder (it needs ${RUN_FILES.config} and ${RUN_FILES.status}); pass the folder "dcl-explorer train" printed`);
  }
  const status = readJson<RunStatus>(statusFile, 'run status');
  if (status.state === 'finished') {
    throw new ResumeRefused(`cannot resume: ${runDir} finished at epoch ${status.epoch ?? '?'}; there is nothing left to train (start a new run for more epochs)`);
  }
  if (status.state === 'queued') {
    throw new ResumeRefused(`cannot resume: ${runDir} never started; train it with "dcl-explorer train --run-dir ${runDir}"`);
  }
  if (status.state === 'running' && status.pid !== undefined && status.pid !== process.pid && isPidAlive(status.pid)) {
    throw new ResumeRefused(`cannot resume: ${runDir} is running (process ${status.pid}); stop it first, or wait for it to end`);
  }
  const checkpointDir = path.join(runDir, RUN_FILES.checkpoints, 'latest');
  const infoFile = path.join(checkpointDir, 'checkpoint.json');
  if (!fs.existsSync(infoFile)) {
    throw new ResumeRefused(`cannot resume: ${runDir} has no checkpoint (${infoFile} is missing; the first is written at the end of epoch 1 or at a stop); start a new run`);
  }
  const info = readJson<CheckpointInfo>(infoFile, 'checkpoint');
  if (!info.resume) {
    throw new ResumeRefused(`cannot resume: the checkpoint in ${checkpointDir} holds only the weights (written before resume existed); start a new run`);
  }
  if (!fs.existsSync(path.join(checkpointDir, OPTIMIZER_STATE_FILE))) {
    throw new ResumeRefused(`cannot resume: ${path.join(checkpointDir, OPTIMIZER_STATE_FILE)} is missing, so the optimizer state is lost; start a new run`);
  }
  // Checked before the folder is touched, so a damaged checkpoint leaves the run as it was.
  for (const model of ['encoder', 'head']) {
    try {
      checkSavedModel(path.join(checkpointDir, model));
    } catch (e) {
      throw new ResumeRefused(`cannot resume: ${(e as Error).message}`);
    }
  }
  return { checkpointDir, step: info.step, epoch: info.epoch, point: info.resume, from: status.state, lostSteps: Math.max(0, lastLoggedStep(runDir) - info.step) };
}

/** The highest step any event of metrics.jsonl reached. */
function lastLoggedStep(runDir: string): number {
  const file = path.join(runDir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return 0;
  return parseEventLines(fs.readFileSync(file, 'utf8')).events.reduce((max, e) => Math.max(max, e.step), 0);
}

/** Refuses a plan whose checkpoint the run's current config could not have written (the seed changed). */
export function checkPlanFitsConfig(plan: ResumePlan, seed: number): void {
  const expected = rngState(seed, plan.epoch, plan.step);
  if (plan.point.rng.seed !== seed || plan.point.rng.orderSeed !== expected.orderSeed) {
    throw new Error(`the checkpoint was written with seed ${plan.point.rng.seed} but config.json says ${seed}; restore the seed in config.json to resume`);
  }
}

/** Copies the checkpoint's weights (batch-norm moving statistics included) and optimizer state into freshly built models. */
export async function restoreCheckpoint(plan: ResumePlan, models: StepModels): Promise<void> {
  for (const name of ['encoder', 'head'] as const) {
    const saved = await loadModelFrom(path.join(plan.checkpointDir, name));
    try {
      const values = saved.getWeights();
      const target = models[name].weights;
      const mismatch = values.length !== target.length ? -1 : values.findIndex((v, i) => !tf.util.arraysEqual(v.shape, target[i].shape as number[]));
      if (mismatch !== -1) {
        throw new Error(`the checkpoint's ${name} does not fit the run's config (${values.length} weights vs ${target.length}${mismatch >= 0 ? `, weight ${mismatch} ${target[mismatch].originalName}` : ''}); restore config.json as it was`);
      }
      models[name].setWeights(values);
    } finally {
      saved.dispose();
    }
  }
  const bytes = fs.readFileSync(path.join(plan.checkpointDir, OPTIMIZER_STATE_FILE));
  await models.optimizer.importState(decodeOptimizerState(plan.point.optimizer, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), models.vars);
}
