/**
 * The two endings the loop chooses itself: `finished` after the last epoch and `stopped` on request. Both write
 * a checkpoint first, so the recorded state never claims more than what is on disk.
 */
import type { LoopPosition } from './checkpointer';
import { finalOf, type TrainResult } from './runContext';
import type { TrainingRun } from './trainingRun';

export async function finishRun(run: TrainingRun, state: 'finished' | 'stopped', at: LoopPosition, reason?: string): Promise<TrainResult> {
  const { ctx, metrics } = run;
  await run.checkpointer.save(at);
  const linear = metrics.linearAccuracy !== undefined ? { linearAccuracy: metrics.linearAccuracy } : {};
  if (state === 'finished') ctx.emit({ type: 'finished', loss: metrics.lastLoss, knnAccuracy: metrics.lastKnn, ...linear });
  else ctx.emit({ type: 'stopped', reason: reason ?? 'stop requested' });
  ctx.folder.updateStatus({
    state,
    endedAt: new Date().toISOString(),
    step: ctx.step,
    epoch: ctx.epoch,
    final: finalOf(metrics),
  });
  ctx.log(`${state} at step ${ctx.step}: loss ${metrics.lastLoss}, kNN ${metrics.lastKnn}`);
  return { state, loss: metrics.lastLoss, knnAccuracy: metrics.lastKnn, ...linear };
}
