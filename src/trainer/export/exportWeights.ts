/**
 * `export-weights`: a run's checkpoint (encoder and projection head) as one .safetensors file with PyTorch's
 * layouts and the state-dict names of the modules in docs/pytorch/dcl_models.py.
 */
import * as path from 'node:path';
import { RUN_FILES, type EncoderKind } from '../../shared/protocol';
import { findCheckpoint } from '../findCheckpoint';
import { encodeSafetensors } from './safetensors';
import { torchStateDict } from './stateDict';
import { writeFileAtomic } from '../../runFolder/atomicWrite';
import { makeDirs } from '../../runFolder/makeDirs';
import { readJsonFile } from '../../runFolder/readJsonFile';

export interface ExportedWeights {
  file: string;
  epoch: number;
  step: number;
  tensors: number;
}

export function exportWeights(runDir: string, options: { epoch?: number; out?: string } = {}): ExportedWeights {
  const config = readJsonFile(path.join(runDir, RUN_FILES.config)) as { encoder: EncoderKind };
  const ckpt = findCheckpoint(runDir, options.epoch);
  const encoder = torchStateDict(path.join(ckpt.dir, 'encoder'), config.encoder, ckpt.step);
  const head = torchStateDict(path.join(ckpt.dir, 'head'), 'head', ckpt.step);
  const tensors = [...encoder.tensors, ...head.tensors];
  const [h, w, c] = encoder.inputShape;
  const bytes = encodeSafetensors(tensors, {
    format: 'pt',
    encoder: config.encoder,
    // What DclModel needs besides the encoder: in_channels, image_size (PyTorch's C, H, W order).
    input_shape: `${c},${h},${w}`,
    projection: head.tensors.filter((t) => t.name.endsWith('.weight')).map((t) => t.shape[0]).join(','),
    epoch: String(ckpt.epoch),
    step: String(ckpt.step),
    module: 'docs/pytorch/dcl_models.py',
  });
  const file = options.out ?? path.join(runDir, 'exports', `e${String(ckpt.epoch).padStart(4, '0')}-weights.safetensors`);
  makeDirs(path.dirname(file), 'output folder (--out)');
  writeFileAtomic(file, bytes);
  return { file, epoch: ckpt.epoch, step: ckpt.step, tensors: tensors.length };
}
