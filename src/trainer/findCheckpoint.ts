/** Which checkpoint of a run folder a command reads: `checkpoints/latest`, the only one the trainer keeps. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../shared/protocol';
import { readJsonFile } from '../runFolder/readJsonFile';

export interface FoundCheckpoint {
  /** Holds encoder/, head/ and checkpoint.json. */
  dir: string;
  epoch: number;
  step: number;
}

/** `epoch`, when given, must be the latest checkpoint's; anything else is refused with the epoch that exists. */
export function findCheckpoint(runDir: string, epoch?: number): FoundCheckpoint {
  const dir = path.join(runDir, RUN_FILES.checkpoints, 'latest');
  const infoFile = path.join(dir, 'checkpoint.json');
  if (!fs.existsSync(infoFile)) throw new Error(`${runDir} has no checkpoint yet (${infoFile} is missing); wait for the first epoch to end`);
  const info = readJsonFile(infoFile) as { epoch: number; step: number };
  if (epoch !== undefined && epoch !== info.epoch) {
    throw new Error(`the run keeps only its latest checkpoint, from epoch ${info.epoch}; use --epoch ${info.epoch} or leave --epoch out`);
  }
  return { dir, epoch: info.epoch, step: info.step };
}
