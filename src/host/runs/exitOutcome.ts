/**
 * What a trainer's exit means for its run: the final state, and for a failure the message the user sees.
 * The trainer writes its own final status when it can; this decides what to record when it could not
 * (crash, out of memory, killed) and never overrides an honest final status it wrote.
 */
import { EXIT_RESUME_REFUSED, type RunState, type RunStatus } from '../../shared/protocol';
import { isTerminal } from './runFiles';
import type { TrainerExit } from './trainerProcess';

export interface ExitOutcome {
  state: Extract<RunState, 'finished' | 'stopped' | 'failed'>;
  /** Status to write, or undefined when the trainer's own status.json already says it all. */
  write?: { state: 'stopped' | 'failed'; error?: string };
  /** For failures: one line for the notification. */
  error?: string;
}

function describeCrash(exit: TrainerExit, execPath: string): string {
  const tail = exit.stderrTail.join('\n');
  if (exit.spawnError) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `cannot start the trainer: ${execPath} does not exist. Set "dclExplorer.nodePath" to a Node.js 20+ executable, or clear it to use the editor's runtime.`
      : `cannot start the trainer with ${execPath}: ${exit.spawnError.message}`;
  }
  if (/heap out of memory|Allocation failed/i.test(tail)) {
    return 'the trainer ran out of memory (JavaScript heap). Use a smaller batch size or encoder, or a dataset subset.';
  }
  if (exit.signal === 'SIGKILL') {
    return 'the trainer was killed (SIGKILL), most often by the system when memory runs out. Use a smaller batch size or encoder.';
  }
  if (exit.signal) return `the trainer was ended by signal ${exit.signal}.`;
  // The message, not the stack: skip the `    at fn (file:line)` frames that follow an error.
  const last = [...exit.stderrTail].reverse().find((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return `the trainer exited with code ${exit.code}${last ? `: ${last.trim()}` : ''}.`;
}

/** Decides the final state after the trainer process of a run has exited; `resume`: it was launched with --resume. */
export function exitOutcome(exit: TrainerExit, status: RunStatus | undefined, execPath: string, resume = false): ExitOutcome {
  const written = status?.state;
  if (exit.stopRequested) {
    if (written === 'finished' || written === 'failed') return { state: written, error: written === 'failed' ? status?.error : undefined };
    if (written === 'stopped') return { state: 'stopped' };
    const error = exit.killedAfterTimeout ? 'the trainer did not stop in time and was killed; everything it wrote up to then is kept' : undefined;
    return { state: 'stopped', write: { state: 'stopped', error } };
  }
  if (resume && exit.code === EXIT_RESUME_REFUSED && !exit.signal) {
    // The trainer refused to resume and touched nothing: the run keeps the state it had.
    const line = [...exit.stderrTail].reverse().find((l) => l.trim() !== '');
    return { state: written === 'stopped' ? 'stopped' : 'failed', error: line?.replace(/^trainer: /, '') ?? 'the trainer refused to resume the run' };
  }
  const clean = exit.code === 0 && !exit.signal && !exit.spawnError;
  if (clean && isTerminal(written)) {
    return written === 'failed' ? { state: 'failed', error: status?.error ?? 'the trainer reported a failure' } : { state: written as 'finished' | 'stopped' };
  }
  if (written === 'failed') {
    // The trainer caught the error and wrote it: its message is better than the exit code.
    return { state: 'failed', error: status?.error ?? describeCrash(exit, execPath) };
  }
  const error = clean ? 'the trainer exited without writing a final status (finished, stopped or failed).' : describeCrash(exit, execPath);
  return { state: 'failed', write: { state: 'failed', error }, error };
}
