/**
 * Checkpoints in the tfjs Layers format (model.json + weights.bin) without tfjs-node's file:// handler,
 * so they are written the same way on every backend. The latest checkpoint replaces the previous one
 * atomically (written beside it, then renamed), so a stop or crash mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptimizerStateManifest } from './optimizerState';
import { pathInside } from '../runFolder/confinedPath';
import { writeJsonAtomic } from './runFolder';
import { isPidAlive } from '../runFolder/processAlive';
import { readJsonFile } from '../runFolder/readJsonFile';

async function saveModelTo(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    // Synchronous writes: a checkpoint is complete on disk before the step after it starts.
    tf.io.withSaveHandler((artifacts) => {
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
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } });
    }),
  );
}

interface SavedModelFiles {
  json: { modelTopology?: tf.io.ModelJSON['modelTopology'] };
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightsFile: string;
}

const BYTES_PER_DTYPE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * The model.json of a saved model and the weights file it names, checked against each other without loading: a
 * weights.bin cut short (a full disk, a copy stopped half-way) is one line naming the file, not tfjs's
 * "Based on the provided shape, [784,1024], the tensor should have 802816 values but has 25".
 */
export function checkSavedModel(dir: string): SavedModelFiles {
  const jsonFile = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonFile)) throw new Error(`no checkpoint at ${dir}: ${jsonFile} is missing`);
  const json = readJsonFile(jsonFile) as SavedModelFiles['json'] & { weightsManifest?: { paths?: unknown[]; weights?: tf.io.WeightsManifestEntry[] }[] };
  const manifest = json.weightsManifest?.[0];
  if (!manifest || !Array.isArray(manifest.weights)) throw new Error(`${jsonFile} has no weightsManifest; it is not a tfjs Layers model`);
  const weightsFile = pathInside(dir, manifest.paths?.[0], `${jsonFile} (weightsManifest)`);
  let expected = 0;
  for (const spec of manifest.weights) {
    const size = BYTES_PER_DTYPE[spec.dtype];
    if (size === undefined || !Array.isArray(spec.shape)) throw new Error(`${jsonFile}: weight ${String(spec.name)} has dtype ${String(spec.dtype)}; the file is damaged or not one of ours`);
    expected += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  let actual: number;
  try {
    actual = fs.statSync(weightsFile).size;
  } catch (e) {
    throw new Error(`cannot read ${weightsFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the checkpoint is incomplete`);
  }
  if (actual !== expected) {
    throw new Error(`${weightsFile} holds ${actual} bytes but ${jsonFile} describes ${expected}: the checkpoint is damaged or was cut short`);
  }
  return { json, weightSpecs: manifest.weights, weightsFile };
}

export async function loadModelFrom(dir: string): Promise<tf.LayersModel> {
  const { json, weightSpecs, weightsFile } = checkSavedModel(dir);
  const weights = fs.readFileSync(weightsFile);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
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
  const tmp = path.join(checkpointsDir, `latest.${process.pid}${TMP}`);
  const old = path.join(checkpointsDir, `latest.${process.pid}${OLD}`);
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    await saveModelTo(models.encoder, path.join(tmp, 'encoder'));
    await saveModelTo(models.head, path.join(tmp, 'head'));
    if (optimizerState) fs.writeFileSync(path.join(tmp, OPTIMIZER_STATE_FILE), optimizerState);
    writeJsonAtomic(path.join(tmp, CHECKPOINT_INFO), info);
  } catch (e) {
    // The half-written copy goes (freeing the space a full disk needs for status.json); `latest` was not touched.
    // Its removal may fail the same way (the folder unreachable); the write's own error is the one to report.
    try {
      fs.rmSync(tmp, { recursive: true, force: true });
    } catch {
      // nothing more to clean
    }
    throw new Error(checkpointWriteFailure(e, info.step, checkpointStep(final)));
  }
  if (fs.existsSync(final)) fs.renameSync(final, old);
  fs.renameSync(tmp, final);
  fs.rmSync(old, { recursive: true, force: true });
  return final;
}

const TMP = '.tmp';
const OLD = '.old';
const CHECKPOINT_INFO = 'checkpoint.json';

/** The step of the checkpoint in `dir`, or undefined when there is none (or it cannot be read). */
function checkpointStep(dir: string): number | undefined {
  try {
    const step = (JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_INFO), 'utf8')) as CheckpointInfo).step;
    return typeof step === 'number' ? step : undefined;
  } catch {
    return undefined;
  }
}

function checkpointWriteFailure(e: unknown, step: number, keptStep: number | undefined): string {
  const code = (e as NodeJS.ErrnoException).code;
  const what = code === 'ENOSPC' ? `disk full while writing the checkpoint at step ${step}` : `cannot write the checkpoint at step ${step} (${code ?? (e as Error).message})`;
  const kept = keptStep === undefined ? 'no earlier checkpoint exists' : `the step-${keptStep} checkpoint is intact`;
  return `${what}; ${kept}`;
}

/**
 * Finishes a rotation a killed writer left half done, before anything reads `latest`: between saveCheckpoint's two
 * renames there is no `latest` but a complete `latest.<pid>.tmp` (newer) or `latest.<pid>.old`, which becomes
 * `latest`; every other leftover of a process that is gone is removed. A live process's copies are left to it.
 */
export function recoverCheckpointRotation(checkpointsDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(checkpointsDir);
  } catch {
    return; // no checkpoints yet
  }
  const leftovers = names
    .map((name) => ({ name, m: /^latest\.(\d+)(\.tmp|\.old)$/.exec(name) }))
    // A live process's copies are its own (this process's pid is a previous life: it has not started writing yet).
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null && (Number(x.m[1]) === process.pid || !isPidAlive(Number(x.m[1]))))
    .map(({ name, m }) => ({ dir: path.join(checkpointsDir, name), isTmp: m[2] === TMP }));
  const final = path.join(checkpointsDir, 'latest');
  if (!fs.existsSync(final)) {
    // A tmp copy is complete once its checkpoint.json (written last, atomically) exists.
    const complete = leftovers.filter((l) => checkpointStep(l.dir) !== undefined).sort((a, b) => Number(b.isTmp) - Number(a.isTmp));
    if (complete[0]) fs.renameSync(complete[0].dir, final);
  }
  for (const l of leftovers) fs.rmSync(l.dir, { recursive: true, force: true });
}

