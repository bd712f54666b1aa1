/**
 * tfjs-node-gpu's CUDA libraries: found through the loader cache (real `ldconfig -p` lines), LD_LIBRARY_PATH or the
 * default directories, and named with the CUDA/cuDNN release that provides them when missing; the real backend
 * chain here (no tfjs-node-gpu installed) says so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initBackend } from '../src/trainer/backend';
import { missingCudaLibraries } from '../src/trainer/cudaLibraries';
import type { LibrarySearch } from '../src/trainer/sharedLibraries';

// Lines as `ldconfig -p` prints them on Ubuntu with CUDA 11.2 and cuDNN 8.1 from NVIDIA's packages.
const CACHE_WITH_CUDA11 = [
  '1234 libs found in cache `/etc/ld.so.cache\'',
  '\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8',
  '\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.0',
  '\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6',
].join('\n');
// A current machine: CUDA 12 and cuDNN 9 only.
const CACHE_WITH_CUDA12 = [
  '\tlibcudnn.so.9 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.9',
  '\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12',
].join('\n');

const search = (over: Partial<LibrarySearch>): LibrarySearch => ({ ldconfigCache: '', exists: () => false, ...over });

describe('tfjs-node-gpu CUDA libraries', () => {
  test('found in the loader cache', () => {
    assert.deepEqual(missingCudaLibraries(search({ ldconfigCache: CACHE_WITH_CUDA11 })), []);
  });

  test('CUDA 12 / cuDNN 9 do not stand in for the 11.0 / 8 sonames libtensorflow 2.9 opens', () => {
    assert.deepEqual(missingCudaLibraries(search({ ldconfigCache: CACHE_WITH_CUDA12 })), ['libcudart.so.11.0 (CUDA 11.2)', 'libcudnn.so.8 (cuDNN 8.1)']);
  });

  test('found through LD_LIBRARY_PATH or a default directory', () => {
    const files = new Set(['/opt/cuda-11.2/lib64/libcudart.so.11.0', '/usr/lib/x86_64-linux-gnu/libcudnn.so.8']);
    const s = search({ ldLibraryPath: '/nowhere::/opt/cuda-11.2/lib64', exists: (f) => files.has(f) });
    assert.deepEqual(missingCudaLibraries(s), []);
    assert.deepEqual(missingCudaLibraries({ ...s, ldLibraryPath: undefined }), ['libcudart.so.11.0 (CUDA 11.2)']);
  });

  test('an explicit --backend tensorflow-gpu without the package fails with the reason and the CUDA/cuDNN versions in the fix', async () => {
    await assert.rejects(initBackend('tensorflow-gpu'), (e: Error) => {
      assert.match(e.message, /^backend "tensorflow-gpu" could not be loaded: (Cannot find module '@tensorflow\/tfjs-node-gpu'|.*libcudart\.so\.11\.0)/);
      assert.match(e.message, /CUDA 11\.2 \+ cuDNN 8\.1/);
      return true;
    });
  });
});
