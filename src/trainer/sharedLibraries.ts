/**
 * Whether Linux's dynamic loader would find a shared library by its soname, checked before loading the module that
 * needs it: libtensorflow opens CUDA lazily and only logs when it is missing, and Dawn prints a warning for a
 * missing Vulkan loader; checking first gives the run a reason instead of a log line.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the dynamic loader looks without a cache entry (glibc's trusted directories and Debian's multiarch ones). */
const DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

export interface LibrarySearch {
  /** LD_LIBRARY_PATH's value. */
  ldLibraryPath?: string;
  /** `ldconfig -p`'s output (the loader's cache), or '' where it cannot be run. */
  ldconfigCache: string;
  exists(file: string): boolean;
}

let cachedLdconfig: string | undefined;

export function systemLibrarySearch(): LibrarySearch {
  if (cachedLdconfig === undefined) {
    cachedLdconfig = '';
    for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      try {
        cachedLdconfig = execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
        break;
      } catch {
        // Not on PATH here; try the next place it lives.
      }
    }
  }
  return { ldLibraryPath: process.env.LD_LIBRARY_PATH, ldconfigCache: cachedLdconfig, exists: (f) => fs.existsSync(f) };
}

/** Whether `soname` is in the loader cache, an LD_LIBRARY_PATH directory or a default directory. */
export function libraryFound(soname: string, search: LibrarySearch): boolean {
  // ldconfig -p lines read "\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0".
  if (search.ldconfigCache.split('\n').some((l) => l.trim().split(/\s/)[0] === soname)) return true;
  const dirs = [...(search.ldLibraryPath ?? '').split(':').filter(Boolean), ...DEFAULT_DIRS];
  return dirs.some((d) => search.exists(path.join(d, soname)));
}
