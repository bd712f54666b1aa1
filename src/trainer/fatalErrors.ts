/**
 * Fatal errors of the numeric runtimes, said in words a person can act on.
 *
 * The wasm backend's runtime reports its heap running out as `Aborted(). Build with -sASSERTIONS for more info.`
 * (or a memory access out of bounds), V8 reports a failed tensor allocation as `Array buffer allocation failed`,
 * and the compiled kernels as `fast-native: out of memory …`. None names the cause or the fix; this does: what ran
 * out, at which step, and what to change.
 */

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
    return `disk full at step ${c.step} while writing the run's files (${firstLine(message)}); free space, then resume the run from its last checkpoint`;
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
