/**
 * Checkpoints of a run: weights, optimizer state and the loop's position, written so that `--resume` continues
 * bit-for-bit. Remembers the step of the last one written, so an ending knows whether steps would be lost.
 */
import { RUN_FILES, type RunConfig } from '../../shared/protocol';
import { saveCheckpoint, type ResumePoint } from '../checkpoint';
import { encodeOptimizerState } from '../optimizerState';
import type { StepModels } from '../step';
import { rngState } from '../trainRandom';
import type { RunContext, RunMetrics } from './runContext';

/** Where the loop stands: `stepInEpoch` steps of epoch ctx.epoch are done, their losses summing to `epochLossSum`. */
export interface LoopPosition {
  stepInEpoch: number;
  epochLossSum: number;
}

export class Checkpointer {
  /** The step of the newest checkpoint on disk (the resumed one, or none yet). */
  lastStep: number | undefined;
  /** True while a checkpoint is being written: a failure then is the write's own, and says so itself. */
  writing = false;

  constructor(
    private readonly ctx: RunContext,
    private readonly config: RunConfig,
    private readonly models: StepModels,
    private readonly metrics: RunMetrics,
    resumedFrom: number | undefined,
  ) {
    this.lastStep = resumedFrom;
  }

  /** Writes the checkpoint at the current step and emits its `checkpoint` event. */
  async save(at: LoopPosition): Promise<void> {
    const { ctx, config, models, metrics } = this;
    this.writing = true;
    const { manifest, bytes } = encodeOptimizerState(await models.optimizer.exportState(models.vars));
    const resume: ResumePoint = {
      stepInEpoch: at.stepInEpoch,
      rng: rngState(config.seed, ctx.epoch, ctx.step),
      optimizer: manifest,
      metrics: { epochLossSum: at.epochLossSum, lastLoss: metrics.lastLoss, lastKnn: metrics.lastKnn, bestKnn: metrics.bestKnn },
    };
    const info = { step: ctx.step, epoch: ctx.epoch, time: new Date().toISOString(), resume };
    const written = await saveCheckpoint(ctx.folder.path(RUN_FILES.checkpoints), { encoder: models.encoder, head: models.head }, info, bytes);
    this.writing = false;
    this.lastStep = ctx.step;
    ctx.emit({ type: 'checkpoint', path: relative(ctx.folder.dir, written) });
  }
}

function relative(dir: string, p: string): string {
  return p.startsWith(dir) ? p.slice(dir.length + 1) : p;
}
