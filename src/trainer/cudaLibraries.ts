/**
 * Whether the CUDA libraries tfjs-node-gpu needs can be found, before it is loaded.
 *
 * Why: tfjs-node-gpu 4.22 runs libtensorflow 2.9, which opens CUDA 11.2 and cuDNN 8.1 only when it first looks for
 * a GPU. Without them it does not fail: it logs "Could not load dynamic library 'libcudart.so.11.0'; dlerror:
 * libcudart.so.11.0: cannot open shared object file: No such file or directory" and trains on the CPU, while the run
 * would say tensorflow-gpu. So the `tensorflow-gpu` attempt checks the library path first and, where they are
 * missing, fails with their names, and auto goes on to the next backend.
 */
import { libraryFound, type LibrarySearch } from './sharedLibraries';

/** The sonames libtensorflow 2.9 (tfjs-node-gpu 4.22) opens, and what provides them. */
export const TFJS_NODE_GPU_LIBRARIES: readonly { soname: string; from: string }[] = [
  { soname: 'libcudart.so.11.0', from: 'CUDA 11.2' },
  { soname: 'libcudnn.so.8', from: 'cuDNN 8.1' },
];

/** The libraries of TFJS_NODE_GPU_LIBRARIES the dynamic loader would not find, as "soname (from)". */
export function missingCudaLibraries(search: LibrarySearch): string[] {
  return TFJS_NODE_GPU_LIBRARIES.filter(({ soname }) => !libraryFound(soname, search)).map(({ soname, from }) => `${soname} (${from})`);
}
