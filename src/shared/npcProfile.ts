/**
 * The seed paper's "NPC vs batch size" figure: distributions of the NPC multiplier q of one model (a run's
 * checkpoint or its initial weights) evaluated at several batch sizes. Written by `dcl-explorer npc-profile`
 * into `<run>/npc-profile/`, read by the charts panel.
 */
import type { NpcSummary } from './protocol';

export const NPC_PROFILE_DIR = 'npc-profile';
export const DEFAULT_PROFILE_BATCH_SIZES: readonly number[] = [32, 64, 128, 256, 512, 1024];

export interface NpcProfileRow {
  batchSize: number;
  /** q of every anchor of every sampled batch at this size. */
  summary: NpcSummary;
}

/** Bump when a field of an NPC profile file changes meaning; readers refuse other versions. */
export const NPC_PROFILE_SCHEMA_VERSION = 1 as const;

export interface NpcProfile {
  schemaVersion: typeof NPC_PROFILE_SCHEMA_VERSION;
  /** Which weights: the latest checkpoint, or the untrained model the run started from. */
  model: { kind: 'checkpoint' | 'initial'; step: number; epoch: number };
  temperature: number;
  /** Batches sampled per batch size. */
  batches: number;
  seed: number;
  rows: NpcProfileRow[];
  /** Batch sizes left out, with why (e.g. larger than the training set). */
  skipped: { batchSize: number; reason: string }[];
  createdAt: string;
}

/** Cache file name for a profile request: the same model and parameters give the same file. */
export function npcProfileFileName(p: { model: NpcProfile['model']; batchSizes: readonly number[]; batches: number; seed: number }): string {
  const model = p.model.kind === 'initial' ? 'initial' : `step${p.model.step}`;
  return `${model}-b${p.batchSizes.join('_')}-n${p.batches}-s${p.seed}.json`;
}
