/**
 * Checkpoints in the tfjs Layers format (model.json + weights.bin) without tfjs-node's file:// handler,
 * so they are written the same way on every backend. The latest checkpoint replaces the previous one
 * atomically (written beside it, then renamed), so a stop or crash mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
}

/** Writes `<checkpointsDir>/latest/{encoder,head}/` and `latest/checkpoint.json`; returns the folder. */
export async function saveCheckpoint(
  checkpointsDir: string,
  models: { encoder: tf.LayersModel; head: tf.LayersModel },
  info: CheckpointInfo,
): Promise<string> {
  const final = path.join(checkpointsDir, 'latest');
  const tmp = path.join(checkpointsDir, `latest.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  await saveModelTo(models.encoder, path.join(tmp, 'encoder'));
  await saveModelTo(models.head, path.join(tmp, 'head'));
  writeJsonAtomic(path.join(tmp, 'checkpoint.json'), info);
  const old = path.join(checkpointsDir, `latest.${process.pid}.old`);
  if (fs.existsSync(final)) fs.renameSync(final, old);
  fs.renameSync(tmp, final);
  fs.rmSync(old, { recursive: true, force: true });
  return final;
}
