/**
 * `dcl-explorer eval`: linear evaluation of a finished (or stopped) run's checkpoint, recorded in the run folder
 * like the trainer's own events: a `linear` event in metrics.jsonl and TensorBoard, status.json's
 * final.linearAccuracy when the checkpoint is the run's last, and a line in log.txt.
 */
import type * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, type LinearEvent, type RunConfig } from '../../shared/protocol';
import { readRunConfig } from '../../runFolder/readRunConfig';
import { initBackend } from '../backend';
import { loadModelFrom } from '../checkpoint';
import { datasetOptionsOf, loadDataset } from '../data';
import { encodeImages } from '../features';
import { findCheckpoint } from '../findCheckpoint';
import { RunFolder } from '../runFolder';
import { TensorBoardEventFile } from '../tensorboard/eventFile';
import type { Dataset } from '../data';
import { linearEvaluation, type LinearEvalOptions, type LinearEvalResult } from './linearEval';
import { isPidAlive } from '../../runFolder/processAlive';
import { readJsonFile } from '../../runFolder/readJsonFile';

/** The event's fields from an evaluation and its wall time (the trainer's `eval.linear` writes the same). */
export function linearEventBody(result: LinearEvalResult, seconds: number): LinearEventBody {
  return {
    type: 'linear',
    accuracy: result.accuracy,
    weightDecay: result.weightDecay,
    ...(Number.isFinite(result.validationAccuracy) ? { validationAccuracy: result.validationAccuracy } : {}),
    trainSize: result.trainSize,
    testSize: result.testSize,
    seconds,
  };
}

/** A `linear` event as its writer fills it in (step, epoch and time are the writer's). */
export type LinearEventBody = Omit<LinearEvent, 'step' | 'epoch' | 'time'>;

/**
 * The linear evaluation both paths run (`dcl-explorer eval` here, and the trainer's eval.linear on the features
 * its last kNN evaluation computed): the encoder features of the labelled train split and of the test split, the
 * classifier trained and scored, the event body returned. `startedAt` is when the event's `seconds` begin (before
 * encoding, when the caller encoded for it).
 */
export async function linearEvalOfFeatures(
  features: { train: tf.Tensor2D; test: tf.Tensor2D },
  data: Pick<Dataset, 'train' | 'test' | 'numClasses'>,
  options: LinearEvalOptions,
  startedAt = Date.now(),
): Promise<{ body: LinearEventBody; result: LinearEvalResult }> {
  const result = await linearEvaluation({ features: features.train, labels: data.train.labels }, { features: features.test, labels: data.test.labels }, data.numClasses, options);
  return { body: linearEventBody(result, (Date.now() - startedAt) / 1000), result };
}

export function formatLinearResult(e: Pick<LinearEvent, 'accuracy' | 'weightDecay' | 'validationAccuracy' | 'trainSize' | 'testSize' | 'seconds' | 'epoch'>): string {
  const val = e.validationAccuracy === undefined ? '' : `, validation ${(e.validationAccuracy * 100).toFixed(2)}%`;
  return `linear top-1 ${(e.accuracy * 100).toFixed(2)}% after epoch ${e.epoch} (λ ${e.weightDecay}${val}; ${e.trainSize} train / ${e.testSize} test features; ${e.seconds.toFixed(1)} s)`;
}

export interface EvaluateRunRequest {
  runDir: string;
  /** Must name the checkpoint the run keeps; default: that one. */
  epoch?: number;
  onLog?: (line: string) => void;
}

/** Checks the folder and its checkpoint before anything slow; every refusal is one line naming the fix. */
function openRun(runDir: string, epoch: number | undefined): { config: RunConfig; checkpoint: ReturnType<typeof findCheckpoint> } {
  const configFile = path.join(runDir, RUN_FILES.config);
  if (!fs.existsSync(configFile)) throw new Error(`${runDir} is not a run folder (no ${RUN_FILES.config})`);
  const config = readRunConfig(configFile);
  const statusFile = path.join(runDir, RUN_FILES.status);
  const status = fs.existsSync(statusFile) ? (readJsonFile(statusFile) as { state?: string; pid?: number }) : {};
  // Two writers of one status.json would lose each other's fields.
  if (status.state === 'running' && isPidAlive(status.pid)) {
    throw new Error(`${runDir} is still training (pid ${status.pid}); evaluate it once it has ended, or train with eval.linear (--linear-eval)`);
  }
  return { config, checkpoint: findCheckpoint(runDir, epoch) };
}

export async function evaluateRunLinear(req: EvaluateRunRequest): Promise<LinearEvent> {
  const t0 = Date.now();
  const { config, checkpoint } = openRun(req.runDir, req.epoch);
  const log = req.onLog ?? (() => {});
  const backend = await initBackend(config.backend);
  log(`backend ${backend.name}; checkpoint of epoch ${checkpoint.epoch}, step ${checkpoint.step}`);
  // The kNN monitor's splits: the labelled train split (subset applied) and the test split (testSubset applied).
  const data = loadDataset({ ...datasetOptionsOf(config), unlabeled: false });
  const shape = { height: data.height, width: data.width, channels: data.channels };
  const encoder = await loadModelFrom(path.join(checkpoint.dir, 'encoder'));
  let body: LinearEventBody;
  try {
    const trainFeatures = await encodeImages(encoder, data.train, data.train.count, shape);
    try {
      const testFeatures = await encodeImages(encoder, data.test, data.test.count, shape);
      try {
        log(`features: ${data.train.count} train and ${data.test.count} test images of ${data.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        ({ body } = await linearEvalOfFeatures({ train: trainFeatures, test: testFeatures }, data, { seed: config.seed, onLog: log }, t0));
      } finally {
        testFeatures.dispose();
      }
    } finally {
      trainFeatures.dispose();
    }
  } finally {
    encoder.dispose();
  }
  const event: LinearEvent = { ...body, step: checkpoint.step, epoch: checkpoint.epoch, time: new Date().toISOString() };
  record(req.runDir, event);
  return event;
}

function record(runDir: string, event: LinearEvent): void {
  const folder = new RunFolder(runDir);
  const tensorboard = new TensorBoardEventFile(runDir);
  try {
    folder.appendEvent(event);
    tensorboard.write(event);
    const status = folder.currentStatus;
    // final.* describes the run's end; an evaluation of an earlier checkpoint stays in the event only.
    if (status.epoch === undefined || status.epoch === event.epoch) folder.updateStatus({ final: { ...status.final, linearAccuracy: event.accuracy } });
    folder.log(`eval: ${formatLinearResult(event)}`);
  } finally {
    tensorboard.close();
    folder.close();
  }
}
