/**
 * Fatal errors of the numeric runtimes, said in words a person can act on.
 *
 * The wasm backend's runtime reports its heap running out as `Aborted(). Build with -sASSERTIONS for more info.`
 * (or a memory access out of bounds), V8 reports a failed tensor allocation as `Array buffer allocation failed`,
 * and the compiled kernels as `fast-native: out of memory …`. None names the cause or the fix; this does: what ran
 * out, at which step, and what to change.
 *
 * And the trainer process's guard (guardRunEnding): the ways it can go down outside the training loop still end
 * the run with a reason.
 */
import { recordEnding } from '../runFolder/recordEnding';
import { readRunStatus } from '../runFolder/status';
import { setQuitRecorder } from './quitRecorder';

export interface FailureContext {
  /** Training steps completed when it happened. */
  step: number;
  backend?: string;
  encoder?: string;
  batchSize?: number;
}

const WASM_ABORT = /^Aborted\(|Build with -sASSERTIONS|memory access out of bounds|^Out of memory|Cannot enlarge memory/i;
const OUT_OF_MEMORY = /Array buffer allocation failed|Invalid typed array length|allocation failed|fast-native: out of memory|ENOMEM|heap out of memory/i;

function where(c: FailureContext): string {
  const model = c.encoder && c.batchSize ? ` training ${c.encoder} at batch ${c.batchSize}` : '';
  return `at step ${c.step + 1}${model}`;
}

/** A reason for a run's `failed` state: the original message, or its explanation when a runtime ran out. */
export function describeFailure(e: unknown, c: FailureContext): string {
  const message = e instanceof Error ? e.message : String(e);
  const isWasmRuntime = (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || WASM_ABORT.test(message);
  const smaller = c.batchSize && c.batchSize > 2 ? `a smaller --batch-size (e.g. ${Math.floor(c.batchSize / 2)})` : 'a smaller encoder or smaller images';
  if (isWasmRuntime && (c.backend === undefined || c.backend === 'wasm')) {
    return `the WebAssembly heap (4 GiB at most) ran out ${where(c)} (${firstLine(message)}); use --backend native (tensors in ordinary memory, needs a C compiler) or ${smaller}`;
  }
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    // A checkpoint write says this itself (checkpoint.ts); this is any other file of the run (metrics.jsonl, status.json …).
    const then = c.step > 0 ? 'resume the run from its last checkpoint' : 'start the run again (dcl-explorer train --run-dir DIR)';
    return `disk full at step ${c.step} while writing the run's files (${firstLine(message)}); free space, then ${then}`;
  }
  if (OUT_OF_MEMORY.test(message)) {
    return `memory ran out ${where(c)} (${firstLine(message)}); use ${smaller} or a machine with more memory`;
  }
  return message;
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim()) ?? message;
  return line.length > 120 ? `${line.slice(0, 117)}…` : line.trim();
}

/** The error the wasm runtime throws when its heap cannot grow, for tests that inject one. */
export function simulatedWasmAbort(): Error {
  const RuntimeError = typeof WebAssembly !== 'undefined' ? WebAssembly.RuntimeError : Error;
  return new RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
}

/**
 * The run's guard for the time its folder exists outside the training loop's own try/catch (runTraining records every
 * error inside it): until disposed, the trainer process going down any other way still ends the run with a reason.
 * An uncaught exception or unhandled rejection (a timer, an IPC callback) records `failed` and exits 1; any other exit
 * (process.exit, an event loop that ran dry with the run unfinished) records `failed` with its code; a second Ctrl+C
 * before training started records `stopped`. Only a run this process owns is touched (recordEnding.ts): one that is
 * queued, or running by this pid; a finished, stopped or failed run keeps its state.
 */
export interface RunGuard {
  /** Records `e`, thrown outside the training loop, as the run's failure (`prefix: message`); returns the reason. */
  fail(e: unknown, prefix: string): string;
  /** Leave the run as it is from here on (a refused resume); a crash still exits, recording nothing. */
  disarm(): void;
  /** Removes the process handlers (for in-process callers; a process that ends keeps them to the end). */
  dispose(): void;
}

export function guardRunEnding(runDir: string, say: (line: string) => void, onCrash?: () => void): RunGuard {
  let armed = true;
  const owner = { pid: process.pid };
  const record = (e: unknown, prefix: string): { reason: string; recorded: boolean } => {
    const reason = `${prefix}: ${oneLine(describeFailure(e, { step: readRunStatus(runDir)?.step ?? 0 }))}`;
    const recorded = armed && recordEnding(runDir, 'failed', reason, { ...owner, detail: e instanceof Error ? e.stack : undefined });
    return { reason, recorded };
  };
  const onUncaught = (e: unknown, origin: string) => {
    const what = origin === 'unhandledRejection' ? 'an unhandled promise rejection' : 'an uncaught exception';
    try {
      const { reason, recorded } = record(e, `the trainer crashed outside its training loop (${what})`);
      say(recorded ? `${reason}; the run is recorded as failed` : reason);
      onCrash?.();
    } finally {
      process.exit(1);
    }
  };
  const onExit = (code: number) => {
    if (!armed) return;
    if (recordEnding(runDir, 'failed', `the trainer process exited (code ${code}) before the run ended`, owner)) {
      say(`the trainer process exited (code ${code}) before the run ended; the run is recorded as failed`);
      onCrash?.();
      if (code === 0) process.exitCode = 1;
    }
  };
  // Its own listener, ahead of the wasm runtime's (which rethrows a rejection as an uncaught exception), names it.
  const onRejection = (reason: unknown) => onUncaught(reason, 'unhandledRejection');
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);
  process.on('exit', onExit);
  const forgetQuit = setQuitRecorder((why) => {
    if (armed) recordEnding(runDir, 'stopped', `quit at once by ${why} before training started`, owner);
  });
  return {
    fail: (e, prefix) => record(e, prefix).reason,
    disarm: () => {
      armed = false;
    },
    dispose: () => {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      process.off('exit', onExit);
      forgetQuit();
    },
  };
}

/** A message on one line, at most 300 characters (a reason in status.json and the CLI's one stderr line). */
function oneLine(message: string): string {
  const flat = message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

/** Test hook DCL_INJECT_CRASH: how the trainer process goes down outside its training loop (see crashOutsideLoop). */
export const INJECTED_CRASHES = ['load', 'uncaught', 'rejection', 'exit', 'ipc'] as const;
export type InjectedCrash = (typeof INJECTED_CRASHES)[number];

export function injectedCrash(env: Record<string, string | undefined>): InjectedCrash | undefined {
  const v = env.DCL_INJECT_CRASH;
  return INJECTED_CRASHES.find((k) => k === v);
}

/** What `load` throws in place of loading the training module (as a missing or broken @tensorflow package would). */
export function simulatedLoadFailure(): Error {
  return new Error("Cannot find module '@tensorflow/tfjs' (injected by DCL_INJECT_CRASH=load)");
}

/**
 * The injected crash, called once the first step is done: `uncaught` throws in a timer, `rejection` leaves a promise
 * rejected unhandled, `exit` calls process.exit(7) from a timer. (`load` and `ipc` are the callers'.)
 */
export function crashOutsideLoop(kind: InjectedCrash | undefined): void {
  if (kind === 'uncaught') {
    setTimeout(() => {
      throw new Error('injected uncaught exception in a timer (DCL_INJECT_CRASH=uncaught)');
    });
  } else if (kind === 'rejection') {
    void Promise.reject(new Error('injected unhandled rejection (DCL_INJECT_CRASH=rejection)'));
  } else if (kind === 'exit') {
    setTimeout(() => process.exit(7));
  }
}
