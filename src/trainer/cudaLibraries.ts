/**
 * Whether the CUDA libraries tfjs-node-gpu needs can be found, before it is loaded.
 *
 * Why: tfjs-node-gpu 4.22 runs libtensorflow 2.9, which opens CUDA 11.2 and cuDNN 8.1 only when it first looks for
 * a GPU. Without them it does not fail: it logs "Could not load dynamic library 'libcudart.so.11.0'; dlerror:
 * libcudart.so.11.0: cannot open shared object file: No such file or directory" and trains on the CPU, while the run
 * would say tensorflow-gpu. So the `tensorflow-gpu` attempt checks the library path first and, where they are
 * missing, fails with their names, and auto goes on to the next backend.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The sonames libtensorflow 2.9 (tfjs-node-gpu 4.22) opens, and what provides them. */
export const TFJS_NODE_GPU_LIBRARIES: readonly { soname: string; from: string }[] = [
  { soname: 'libcudart.so.11.0', from: 'CUDA 11.2' },
  { soname: 'libcudnn.so.8', from: 'cuDNN 8.1' },
];

/** Where the dynamic loader looks without a cache entry (glibc's trusted directories). */
const DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];

export interface LibrarySearch {
  /** LD_LIBRARY_PATH's value. */
  ldLibraryPath?: string;
  /** `ldconfig -p`'s output (the loader's cache), or '' where it cannot be run. */
  ldconfigCache: string;
  exists(file: string): boolean;
}

export function systemLibrarySearch(): LibrarySearch {
  let cache = '';
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      cache = execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
      break;
    } catch {
      // Not on PATH here; try the next place it lives.
    }
  }
  return { ldLibraryPath: process.env.LD_LIBRARY_PATH, ldconfigCache: cache, exists: (f) => fs.existsSync(f) };
}

/** The libraries of TFJS_NODE_GPU_LIBRARIES the dynamic loader would not find, as "soname (from)". */
export function missingCudaLibraries(search: LibrarySearch): string[] {
  const dirs = [...(search.ldLibraryPath ?? '').split(':').filter(Boolean), ...DEFAULT_DIRS];
  // ldconfig -p lines read "\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0".
  const cached = new Set(search.ldconfigCache.split('\n').map((l) => l.trim().split(/\s/)[0]));
  return TFJS_NODE_GPU_LIBRARIES.filter(({ soname }) => !cached.has(soname) && !dirs.some((d) => search.exists(path.join(d, soname)))).map(
    ({ soname, from }) => `${soname} (${from})`,
  );
}
