/**
 * Checkpoints in the tfjs Layers format (model.json + weights.bin) without tfjs-node's file:// handler,
 * so they are written the same way on every backend. The latest checkpoint replaces the previous one
 * atomically (written beside it, then renamed), so a stop or crash mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptimizerStateManifest } from './optimizerState';
import { writeJsonAtomic } from './runFolder';

async function saveModelTo(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      fs.mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data ?? new ArrayBuffer(0));
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(buffer));
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

export async function loadModelFrom(dir: string): Promise<tf.LayersModel> {
  const jsonFile = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonFile)) throw new Error(`no checkpoint at ${dir}: ${jsonFile} is missing`);
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const manifest = json.weightsManifest?.[0];
  if (!manifest) throw new Error(`${jsonFile} has no weightsManifest; it is not a tfjs Layers model`);
  const weights = fs.readFileSync(path.join(dir, manifest.paths[0]));
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: manifest.weights, weightData }));
}

export interface CheckpointInfo {
  step: number;
  epoch: number;
  time: string;
  /** What a resumed run needs besides the weights (absent in checkpoints written before resume existed). */
  resume?: ResumePoint;
}

/**
 * Where the loop stands. The data order of epoch e and the augmentation of step s are drawn from counter-seeded
 * generators (trainRandom.ts), so the RNG state is the seed and these counters, recorded with the seeds they give.
 */
export interface ResumePoint {
  /** Steps already done in `epoch` (checkpoints at an epoch's end have 0; a stop mid-epoch has more). */
  stepInEpoch: number;
  rng: { seed: number; orderSeed: number; augmentSeeds: [number, number] };
  /** The optimizer's numbers; its slot values are in OPTIMIZER_STATE_FILE beside checkpoint.json. */
  optimizer: OptimizerStateManifest;
  /** The loop's running values, so the epoch's mean loss and the final status come out as uninterrupted. */
  metrics: { epochLossSum: number; lastLoss: number; lastKnn: number; bestKnn: number };
}

export const OPTIMIZER_STATE_FILE = 'optimizer.bin';

/**
 * Writes `<checkpointsDir>/latest/{encoder,head}/`, `latest/checkpoint.json` and, with `optimizerState`, the
 * optimizer's slot values; returns the folder. Batch-norm moving statistics are model weights, saved with them.
 */
export async function saveCheckpoint(
  checkpointsDir: string,
  models: { encoder: tf.LayersModel; head: tf.LayersModel },
  info: CheckpointInfo,
  optimizerState?: Uint8Array,
): Promise<string> {
  const final = path.join(checkpointsDir, 'latest');
  const tmp = path.join(checkpointsDir, `latest.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  await saveModelTo(models.encoder, path.join(tmp, 'encoder'));
  await saveModelTo(models.head, path.join(tmp, 'head'));
  if (optimizerState) fs.writeFileSync(path.join(tmp, OPTIMIZER_STATE_FILE), optimizerState);
  writeJsonAtomic(path.join(tmp, 'checkpoint.json'), info);
  const old = path.join(checkpointsDir, `latest.${process.pid}.old`);
  if (fs.existsSync(final)) fs.renameSync(final, old);
  fs.renameSync(tmp, final);
  fs.rmSync(old, { recursive: true, force: true });
  return final;
}
