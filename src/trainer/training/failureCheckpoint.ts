/**
 * A run that fails keeps the steps it trained: when at least one step completed since the last checkpoint and the
 * weights are known to be sound, a checkpoint of the last good step is written, so `--resume` continues from it.
 * The failed reason then says which checkpoint is intact. A checkpoint write that fails too (a full disk) is added
 * to the reason, never put in place of it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainResult } from './runContext';
import type { TrainingRun } from './trainingRun';

/** The loop's failure with what became of its checkpoint; runTraining records `original` explained, then `note`. */
export class RunFailure extends Error {
  constructor(
    readonly original: unknown,
    /** '; checkpoint of step 37 written', '; the step-15 checkpoint is intact', or '' (step 0, nothing to keep). */
    readonly note: string,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Runs the loop; a failure in it is rethrown as a RunFailure once the last good step is checkpointed (or not). */
export async function keepingLastGoodStep(run: TrainingRun, loop: () => Promise<TrainResult>): Promise<TrainResult> {
  try {
    return await loop();
  } catch (e) {
    throw new RunFailure(e, await checkpointAfterFailure(run, e));
  }
}

async function checkpointAfterFailure(run: TrainingRun, e: unknown): Promise<string> {
  const { ctx, checkpointer } = run;
  const kept = checkpointer.lastStep === undefined ? '' : `; the step-${checkpointer.lastStep} checkpoint is intact`;
  // The checkpoint write itself failed: its message already names the intact one.
  if (checkpointer.writing) return '';
  if (checkpointer.lastStep === ctx.step || ctx.step === 0) return kept;
  const doubt = weightsInDoubt(run, e);
  if (doubt) return `; no checkpoint of step ${ctx.step} written (${doubt})${kept || '; there is no earlier checkpoint'}`;
  try {
    await checkpointer.save(run.position);
    return `; checkpoint of step ${ctx.step} written`;
  } catch (writeError) {
    // The checkpoint is on disk when only its event failed (a disk that filled up just then).
    if (checkpointer.lastStep === ctx.step) return `; checkpoint of step ${ctx.step} written`;
    checkpointer.writing = false;
    return `; ${writeError instanceof Error ? writeError.message : String(writeError)}`;
  }
}

/**
 * Why the weights may not be those of the last completed step, or undefined when they are: an error inside a step
 * may have come in the middle of the optimizer's update (a non-finite loss is not: that step is never applied), a
 * WebAssembly abort leaves the heap the weights live in unreliable, and non-finite weights are no state to resume.
 */
function weightsInDoubt(run: TrainingRun, e: unknown): string | undefined {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return 'the WebAssembly runtime aborted, so the weights in its memory may be damaged';
  if (run.inStep) return `the failure came during step ${run.ctx.step + 1}, whose update may have been applied in part`;
  const { encoder, head } = run.models;
  const finite = [...encoder.weights, ...head.weights].every((w) => tf.tidy(() => tf.all(tf.isFinite(w.read())).dataSync()[0] === 1));
  return finite ? undefined : 'the weights hold non-finite values';
}
