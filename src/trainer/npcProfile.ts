/** Computes the NPC-vs-batch-size profile of a run's model (see src/shared/npcProfile.ts). */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NPC_PROFILE_DIR, NPC_PROFILE_SCHEMA_VERSION, npcProfileFileName, type NpcProfile } from '../shared/npcProfile';
import { RUN_FILES, type RunConfig } from '../shared/protocol';
import { readRunConfig } from '../runFolder/readRunConfig';
import { summarizeNpc } from '../shared/stats';
import { augmentBatch, defaultAugmentOptions } from './augment';
import { initBackend } from './backend';
import { loadModelFrom } from './checkpoint';
import { datasetOptionsOf, loadDataset } from './data';
import { applyModel, buildEncoder, buildProjectionHead, featureDim } from './encoders';
import { imageBatch } from './features';
import { npcMultiplier } from './losses';
import { deriveSeed, mulberry32, permutation } from './random';
import { writeJsonAtomic } from './runFolder';
import { readJsonFile } from '../runFolder/readJsonFile';

export interface NpcProfileRequest {
  runDir: string;
  batchSizes: number[];
  batches: number;
  seed: number;
  /** Use the untrained model even when a checkpoint exists. */
  initial: boolean;
  onProgress?: (fraction: number, stage: string) => void;
}

interface LoadedModel {
  encoder: tf.LayersModel;
  head: tf.LayersModel;
  model: NpcProfile['model'];
}

async function loadModel(runDir: string, config: RunConfig, inputShape: [number, number, number], initial: boolean): Promise<LoadedModel> {
  const latest = path.join(runDir, RUN_FILES.checkpoints, 'latest');
  if (!initial && fs.existsSync(path.join(latest, 'checkpoint.json'))) {
    const info = readJsonFile(path.join(latest, 'checkpoint.json')) as { step: number; epoch: number };
    return {
      encoder: await loadModelFrom(path.join(latest, 'encoder')),
      head: await loadModelFrom(path.join(latest, 'head')),
      model: { kind: 'checkpoint', step: info.step, epoch: info.epoch },
    };
  }
  // The same seeds as the trainer: this is exactly the model the run started from.
  return {
    encoder: buildEncoder(config.encoder, inputShape, deriveSeed(config.seed, 1)),
    head: buildProjectionHead(featureDim(config.encoder), config.projection, deriveSeed(config.seed, 2)),
    model: { kind: 'initial', step: 0, epoch: 0 },
  };
}

/** Returns the profile's path, computing it unless the same request is already cached. */
export async function computeNpcProfile(req: NpcProfileRequest): Promise<{ file: string; cached: boolean; profile: NpcProfile }> {
  const configFile = path.join(req.runDir, RUN_FILES.config);
  if (!fs.existsSync(configFile)) throw new Error(`${req.runDir} is not a run folder: ${RUN_FILES.config} is missing`);
  const config = readRunConfig(configFile);
  const checkpointInfo = path.join(req.runDir, RUN_FILES.checkpoints, 'latest', 'checkpoint.json');
  const expectedModel: NpcProfile['model'] =
    !req.initial && fs.existsSync(checkpointInfo)
      ? { kind: 'checkpoint', ...(readJsonFile(checkpointInfo) as { step: number; epoch: number }) }
      : { kind: 'initial', step: 0, epoch: 0 };
  const dir = path.join(req.runDir, NPC_PROFILE_DIR);
  const file = path.join(dir, npcProfileFileName({ model: expectedModel, batchSizes: req.batchSizes, batches: req.batches, seed: req.seed }));
  if (fs.existsSync(file)) return { file, cached: true, profile: readJsonFile(file) as NpcProfile };

  req.onProgress?.(0, 'loading');
  await initBackend(config.backend === 'cpu' ? 'cpu' : 'auto');
  const data = loadDataset({ ...datasetOptionsOf(config), testSubset: 1, unlabeled: false });
  const shape = { height: data.height, width: data.width, channels: data.channels };
  const { encoder, head, model } = await loadModel(req.runDir, config, [data.height, data.width, data.channels], req.initial);
  const augment = defaultAugmentOptions(data.channels, config.dataset === 'mnist' || config.dataset === 'synthetic');
  const rows: NpcProfile['rows'] = [];
  const skipped: NpcProfile['skipped'] = [];
  try {
    const sizes = [...req.batchSizes].sort((a, b) => a - b);
    for (const [i, batchSize] of sizes.entries()) {
      if (batchSize > data.train.count) {
        skipped.push({ batchSize, reason: `larger than the ${data.train.count} training images` });
        continue;
      }
      const qs: Float32Array[] = [];
      for (let b = 0; b < req.batches; b++) {
        const order = permutation(data.train.count, mulberry32(deriveSeed(req.seed, batchSize, b)));
        const q = tf.tidy(() => {
          const x = imageBatch(data.train, order.subarray(0, batchSize), shape);
          const embed = (view: number) =>
            applyModel(head, applyModel(encoder, augmentBatch(x, augment, deriveSeed(req.seed, batchSize, b, view)), false), false);
          return npcMultiplier(embed(1), embed(2), config.temperature);
        });
        qs.push((await q.data()) as Float32Array);
        q.dispose();
        req.onProgress?.((i + (b + 1) / req.batches) / sizes.length, `batch size ${batchSize}`);
      }
      const all = new Float32Array(qs.reduce((n, q) => n + q.length, 0));
      let o = 0;
      for (const q of qs) {
        all.set(q, o);
        o += q.length;
      }
      rows.push({ batchSize, summary: summarizeNpc(all) });
    }
  } finally {
    encoder.dispose();
    head.dispose();
  }
  const profile: NpcProfile = { schemaVersion: NPC_PROFILE_SCHEMA_VERSION, model, temperature: config.temperature, batches: req.batches, seed: req.seed, rows, skipped, createdAt: new Date().toISOString() };
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(file, profile);
  req.onProgress?.(1, 'done');
  return { file, cached: false, profile };
}
