/**
 * The overrides lean on internals of tfjs-backend-wasm 4.22.0 (kernel attribute names, BackendWasm's
 * makeOutput/typedArrayFromHeap, the XNNPACK conditions in batch_mat_mul_impl.cc), so they are only
 * installed on exactly that version.
 */
export const FAST_WASM_TFJS_VERSION = '4.22.0';

export interface LoadedVersions {
  /** tf.version['tfjs-core'] */
  core: string | undefined;
  /** version_wasm exported by @tensorflow/tfjs-backend-wasm */
  wasm: string | undefined;
}

/** Null when the loaded versions are the ones the kernels were written for, else the warning to show. */
export function versionMismatch(loaded: LoadedVersions, expected: string = FAST_WASM_TFJS_VERSION): string | null {
  const wrong: string[] = [];
  if (loaded.core !== expected) wrong.push(`tfjs-core ${loaded.core ?? '(unknown)'}`);
  if (loaded.wasm !== expected) wrong.push(`tfjs-backend-wasm ${loaded.wasm ?? '(unknown)'}`);
  if (wrong.length === 0) return null;
  return (
    `fast-wasm kernels were written for tfjs ${expected} but ${wrong.join(' and ')} ` +
    `${wrong.length > 1 ? 'are' : 'is'} loaded; using stock kernels`
  );
}
