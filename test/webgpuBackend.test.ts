/**
 * The webgpu backend's adapter choice, with fake adapters (no GPU needed): software adapters, missing
 * adapters and short limits are refused with a reason; a hardware adapter is accepted and described. Then
 * the real `webgpu` package on this machine: with no usable adapter an explicit choice fails at once with
 * the reason and the fix, and `auto` records the skip; with one, the run records the adapter. Then the whole Node
 * path (Dawn, the backend's registration, a trainer step) on Chromium's SwiftShader Vulkan driver.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { initBackend } from '../src/trainer/backend';
import { describeAdapter, judgeAdapter, REQUIRED_LIMITS, type AdapterLike } from '../src/trainer/webgpu/adapter';
import { repoRoot } from './helpers/paths';
import { readEvents, readStatus, tempDir } from './helpers/runs';

const GIB = 2 ** 30;

function fakeAdapter(over: { info?: AdapterLike['info']; isFallbackAdapter?: boolean; limits?: Record<string, number>; features?: string[] } = {}): AdapterLike {
  const features = new Set(over.features ?? ['timestamp-query']);
  return {
    isFallbackAdapter: over.isFallbackAdapter,
    info: over.info ?? { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' },
    features: { has: (f) => features.has(f) },
    limits: {
      maxStorageBufferBindingSize: 2 * GIB,
      maxBufferSize: 4 * GIB,
      maxComputeWorkgroupStorageSize: 32768,
      maxComputeInvocationsPerWorkgroup: 1024,
      maxComputeWorkgroupSizeX: 1024,
      maxComputeWorkgroupsPerDimension: 65535,
      ...over.limits,
    },
  };
}

describe('webgpu adapter choice', () => {
  test('a hardware adapter meeting the limits is accepted and recorded with its limits and features', () => {
    const v = judgeAdapter(fakeAdapter());
    assert.ok(v.ok);
    assert.equal(v.adapter.vendor, 'nvidia');
    assert.equal(v.adapter.architecture, 'hopper');
    assert.equal(v.adapter.description, 'NVIDIA H200');
    assert.equal(v.adapter.limits.maxStorageBufferBindingSize, 2 * GIB);
    assert.deepEqual(v.adapter.features, ['timestamp-query']);
    const line = describeAdapter(v.adapter);
    assert.match(line, /^webgpu adapter: nvidia hopper \(NVIDIA H200\); max storage binding 2048 MiB, max buffer 4096 MiB/);
    assert.match(line, /features: timestamp-query$/);
  });

  test('no adapter is refused with the reason', () => {
    for (const a of [null, undefined]) {
      const v = judgeAdapter(a);
      assert.ok(!v.ok);
      assert.match(v.reason, /found no WebGPU adapter/);
    }
  });

  test('fallback adapters are refused, by flag or by a software rasteriser name', () => {
    const cases: AdapterLike[] = [
      fakeAdapter({ isFallbackAdapter: true }),
      fakeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'x', isFallbackAdapter: true } }),
      fakeAdapter({ info: { vendor: 'google', architecture: '', description: 'SwiftShader Device (Subzero)' } }),
      fakeAdapter({ info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }),
      fakeAdapter({ info: { vendor: 'mesa', architecture: '', description: 'lavapipe' } }),
      fakeAdapter({ info: { vendor: 'microsoft', architecture: '', description: 'Microsoft Basic Render Driver' } }),
    ];
    for (const a of cases) {
      const v = judgeAdapter(a);
      assert.ok(!v.ok, JSON.stringify(a.info));
      assert.match(v.reason, /only a fallback \(software\) adapter/);
      assert.ok(v.adapter, 'the refused adapter is still described');
    }
  });

  test('allowSoftware takes a software adapter, marked as such in the record', () => {
    const v = judgeAdapter(fakeAdapter({ info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true } }), { allowSoftware: true });
    assert.ok(v.ok);
    assert.equal(v.adapter.software, true);
    assert.match(describeAdapter(v.adapter), /^webgpu adapter: SOFTWARE \(DCL_WEBGPU_ALLOW_SOFTWARE=1\) google swiftshader/);
    assert.equal(judgeAdapter(fakeAdapter(), { allowSoftware: true }).ok && judgeAdapter(fakeAdapter()).ok, true);
    const hw = judgeAdapter(fakeAdapter());
    assert.ok(hw.ok && hw.adapter.software === undefined, 'a hardware adapter is not marked');
  });

  test('a hardware name containing a software word only as part of another word is not refused', () => {
    assert.ok(judgeAdapter(fakeAdapter({ info: { vendor: 'amd', architecture: 'rdna-3', description: 'Radeon warpath 7900' } })).ok);
  });

  test('each limit under the required value is named in the reason', () => {
    for (const [k, min] of Object.entries(REQUIRED_LIMITS)) {
      const v = judgeAdapter(fakeAdapter({ limits: { [k]: min - 1 } }));
      assert.ok(!v.ok, k);
      assert.match(v.reason, new RegExp(`lacks required limits: ${k} ${min - 1} < ${min}`));
      assert.ok(judgeAdapter(fakeAdapter({ limits: { [k]: min } })).ok, `${k} at exactly ${min} is enough`);
    }
    const missing = fakeAdapter();
    delete (missing.limits).maxBufferSize;
    const v = judgeAdapter(missing);
    assert.ok(!v.ok);
    assert.match(v.reason, /maxBufferSize missing < /);
  });
});

describe('webgpu backend on this machine (the real webgpu package)', () => {
  test('--backend webgpu starts on a hardware adapter and records it, or fails at once with the reason and the fix', async () => {
    const started = Date.now();
    try {
      const choice = await initBackend('webgpu');
      // A machine with a GPU driver: the run must name the adapter.
      assert.equal(choice.name, 'webgpu');
      assert.ok(choice.gpu && choice.gpu.vendor, 'backend.gpu is recorded');
      assert.ok(choice.details.some((d) => d.startsWith('webgpu adapter: ')), choice.details.join('; '));
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const y = tf.matMul(x, x);
      assert.deepEqual(Array.from(await y.data()), [7, 10, 15, 22]);
      tf.dispose([x, y]);
    } catch (e) {
      const msg = (e as Error).message;
      assert.match(msg, /^backend "webgpu" could not be loaded: /);
      assert.match(msg, /no Vulkan loader \(libvulkan\.so\.1\)|no WebGPU adapter|fallback \(software\) adapter|lacks required limits|not installed/, msg);
      assert.match(msg, /Fix: install the optional packages .*Vulkan/);
      if (process.platform === 'linux' && /no WebGPU adapter|no Vulkan loader/.test(msg)) assert.match(msg, /Vulkan driver/, 'the Vulkan drivers (or their absence) are named');
      assert.ok(Date.now() - started < 20_000, 'fails at once, not after a long wait');
    } finally {
      await tf.setBackend('cpu');
    }
  });

  test('auto skips webgpu with the reason recorded when no adapter is usable', async (t) => {
    // Only webgpu is real here; the others are stand-ins so the test does not depend on what else loads.
    const fail = (why: string) => async (): Promise<string> => {
      throw new Error(why);
    };
    let real: Error | undefined;
    try {
      await initBackend('webgpu');
    } catch (e) {
      real = e as Error;
    }
    if (!real) return t.skip('this machine has a usable WebGPU adapter, so auto would take it');
    const choice = await initBackend('auto', {
      'tensorflow-gpu': fail('no tfjs-node-gpu'),
      tensorflow: fail('no tfjs-node'),
      webgpu: async () => {
        throw new Error(/could not be loaded: (.*)\. Fix:/.exec(real.message)?.[1] ?? real.message);
      },
      native: fail('no compiler'),
      wasm: fail('no wasm'),
      cpu: async () => {
        await tf.setBackend('cpu');
        return 'cpu';
      },
    });
    assert.equal(choice.name, 'cpu');
    assert.deepEqual(choice.attempts.map((a) => a.preference), ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu']);
    const skipped = choice.details.find((d) => d.startsWith('skipped webgpu: '));
    assert.ok(skipped && /adapter|Vulkan loader|not installed|limits/.test(skipped), choice.details.join('; '));
  });
});

/** Chromium's own Vulkan loader and SwiftShader ICD (Debian's chromium package): a software Vulkan Dawn can use. */
const CHROMIUM_LIB = '/usr/lib/chromium';
const SWIFTSHADER_ICD = path.join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
const swiftShaderMissing = fs.existsSync(SWIFTSHADER_ICD) && fs.existsSync(path.join(CHROMIUM_LIB, 'libvulkan.so.1'))
  ? false
  : `no SwiftShader Vulkan driver at ${SWIFTSHADER_ICD} (apt-get install chromium)`;
// CI installs Chromium, so there a missing driver is a failure, not a skip.
const skipSwiftShader = process.env.CI === 'true' ? false : swiftShaderMissing;

describe('webgpu backend in Node on Dawn over SwiftShader (a software Vulkan: the Node path without a GPU)', { skip: skipSwiftShader }, () => {
  const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
  const SWIFTSHADER_ENV = { LD_LIBRARY_PATH: CHROMIUM_LIB, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
  const bench = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [BIN, 'bench', '--backend', 'webgpu', '--encoder', 'mlp', '--batch-size', '8', '--steps', '1', '--warmup', '1', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ...SWIFTSHADER_ENV, ...env },
      timeout: 300_000,
    });

  test('the software adapter is refused by name, with the way to take it anyway', () => {
    assert.equal(swiftShaderMissing, false, String(swiftShaderMissing));
    const r = bench({ DCL_WEBGPU_ALLOW_SOFTWARE: '' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /backend "webgpu" could not be loaded: only a fallback \(software\) adapter was found: google swiftshader/);
    assert.match(r.stderr, /DCL_WEBGPU_ALLOW_SOFTWARE=1 takes it anyway/);
  });

  test('with DCL_WEBGPU_ALLOW_SOFTWARE=1 the trainer step runs on webgpu in Node and leaks no tensors', () => {
    const r = bench({ DCL_WEBGPU_ALLOW_SOFTWARE: '1' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { backend: string; imagesPerSecond: number; tensorsLeaked: number; gpuMiB?: number };
    assert.equal(result.backend, 'webgpu');
    assert.ok(result.imagesPerSecond > 0);
    assert.equal(result.tensorsLeaked, 0);
    assert.ok(result.gpuMiB !== undefined && result.gpuMiB > 0, `the GPU memory the backend holds is reported: ${result.gpuMiB}`);
  });

  test('a training run on webgpu records the adapter in status.json and the started event, and evaluates kNN', () => {
    const runsDir = tempDir('dcl-webgpu-run-');
    const args = ['train', '--backend', 'webgpu', '--dataset', 'mnist', '--subset', '64', '--test-subset', '64', '--epochs', '1'];
    args.push('--batch-size', '32', '--encoder', 'mlp', '--knn-k', '5', '--runs-dir', runsDir, '--quiet');
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...SWIFTSHADER_ENV, DCL_WEBGPU_ALLOW_SOFTWARE: '1' },
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const runDir = r.stdout.trim().split('\n').pop()!;
    const status = readStatus(runDir);
    assert.equal(status.state, 'finished');
    assert.equal(status.backend?.name, 'webgpu');
    assert.equal(status.backend?.gpu?.architecture, 'swiftshader');
    assert.equal(status.backend?.gpu?.software, true);
    assert.ok((status.backend?.gpu?.limits.maxStorageBufferBindingSize ?? 0) >= REQUIRED_LIMITS.maxStorageBufferBindingSize);
    assert.ok(Number.isFinite(status.final?.knnAccuracy), 'kNN ran on webgpu');
    const started = readEvents(runDir).find((e) => e.type === 'started');
    assert.ok(started && started.type === 'started');
    assert.deepEqual(started.backend.gpu, status.backend?.gpu);
    assert.ok(started.backend.details.some((d) => d.startsWith('webgpu adapter: SOFTWARE')), started.backend.details.join('; '));
  });
});
