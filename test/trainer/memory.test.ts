/**
 * The peak-memory estimate, the step mode it picks, the one-line refusal, and fatal runtime errors explained:
 * unit checks, the estimate against a measured peak (bench in a child process), and an injected wasm abort that must
 * end a real run as `failed` with a reason a person can act on.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { buildEncoder, buildProjectionHead } from '../../src/trainer/encoders';
import { describeFailure, simulatedWasmAbort } from '../../src/trainer/fatalErrors';
import { PROCESS_BASELINE_MIB, estimateMemory, layerOutputBytesPerImage, machineMemoryLimit, memoryRefusal, peakMiB } from '../../src/trainer/memoryEstimate';
import { repoRoot } from '../helpers/paths';
import { readStatus, tempDir } from '../helpers/runs';
import { useCpu } from '../helpers/tf';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('memory estimate', () => {
  before(useCpu);
  let models: { encoder: tf.LayersModel; head: tf.LayersModel };
  before(() => {
    models = { encoder: buildEncoder('resnet18', [32, 32, 3], 1), head: buildProjectionHead(512, [512, 128], 2) };
  });

  test('layer outputs per image come from the built model (ResNet-18 at 32×32×3: 2 035 200 floats)', () => {
    assert.equal(layerOutputBytesPerImage(models.encoder), 4 * 2035200);
  });

  test('grows linearly with the batch; one view at a time holds less than both', () => {
    const at = (batchSize: number, step: 'whole' | 'per-view') => peakMiB({ ...models, batchSize, backend: 'native' }, step);
    assert.ok(Math.abs(at(512, 'whole') - at(256, 'whole') - (at(256, 'whole') - at(0, 'whole'))) < 1e-6);
    assert.ok(at(256, 'per-view') < 0.5 * at(256, 'whole'));
  });

  test("picks the whole step while it stays well inside the limit, one view at a time beyond, and refuses what cannot fit", () => {
    const limit = { mib: 24 * 1024, what: 'a 24 GiB test machine' };
    assert.equal(estimateMemory({ ...models, batchSize: 256, backend: 'native' }, undefined, limit).step, 'whole');
    const big = estimateMemory({ ...models, batchSize: 1024, backend: 'native' }, undefined, limit);
    assert.equal(big.step, 'per-view');
    assert.equal(memoryRefusal(big, { encoder: 'resnet18', batchSize: 1024, shape: [32, 32, 3], backend: 'native' }), null);
    const huge = estimateMemory({ ...models, batchSize: 8192, backend: 'native' }, undefined, limit);
    const line = memoryRefusal(huge, { encoder: 'resnet18', batchSize: 8192, shape: [32, 32, 3], backend: 'native' });
    assert.ok(line && !line.includes('\n'));
    assert.match(line, /^resnet18 at batch 8192 on 32×32×3 images needs about [\d.]+ GiB \(per-view step\), more than a 24 GiB test machine; use --batch-size \d+ or less/);
    const fits = Number(/--batch-size (\d+)/.exec(line)![1]);
    assert.ok(estimateMemory({ ...models, batchSize: fits, backend: 'native' }, 'per-view', limit).peakMiB <= limit.mib, 'the suggested batch fits');
  });

  test('on wasm the limit is the 4 GiB heap and the fix names the native backend', () => {
    const e = estimateMemory({ ...models, batchSize: 1024, backend: 'wasm' });
    const line = memoryRefusal(e, { encoder: 'resnet18', batchSize: 1024, shape: [32, 32, 3], backend: 'wasm' });
    assert.match(line ?? '', /the 4 GiB WebAssembly heap; use --batch-size \d+ or less or --backend native/);
  });

  test('a cgroup limit below the machine memory is the limit', () => {
    const limit = machineMemoryLimit((file) => (file.endsWith('memory.max') ? String(2 ** 30) : 'max'));
    assert.equal(limit.mib, 1024);
    assert.match(limit.what, /1\.0 GiB this process's cgroup allows/);
    assert.match(machineMemoryLimit(() => 'max').what, /this machine's/);
  });
});

describe('fatal runtime errors', () => {
  test('a wasm abort names the heap, the step, the model and the fixes', () => {
    const reason = describeFailure(simulatedWasmAbort(), { step: 41, backend: 'wasm', encoder: 'resnet18', batchSize: 128 });
    assert.match(reason, /^the WebAssembly heap \(4 GiB at most\) ran out at step 42 training resnet18 at batch 128 .*--backend native.*--batch-size \(e\.g\. 64\)/);
  });

  test('a failed allocation names memory; other errors pass through unchanged', () => {
    assert.match(describeFailure(new RangeError('Array buffer allocation failed'), { step: 3, backend: 'native', encoder: 'cnn', batchSize: 1024 }), /^memory ran out at step 4 training cnn at batch 1024/);
    assert.equal(describeFailure(new Error('non-finite loss at step 3'), { step: 3 }), 'non-finite loss at step 3');
  });

  test('an injected runtime abort ends a real run as failed, with the reason in status.json and on the last stderr line', () => {
    const runs = tempDir('dcl-abort-');
    const r = cli(['train', '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--epochs', '1', '--batch-size', '16', '--encoder', 'mlp', '--backend', 'wasm', '--runs-dir', runs, '--quiet'], {
      DCL_INJECT_ABORT_AT_STEP: '1',
    });
    assert.equal(r.status, 1);
    const dir = r.stdout.trim().split('\n').at(-1)!;
    const status = readStatus(dir);
    assert.equal(status.state, 'failed');
    assert.match(status.error ?? '', /^the WebAssembly heap \(4 GiB at most\) ran out at step 2 training mlp at batch 16/);
    assert.equal(r.stderr.trim().split('\n').at(-1), `failed: ${status.error}`);
  });
});

describe('estimate against a measured peak', () => {
  test('bench --json: ResNet-18 (16×16×3, batch 16) peaks within 25 % of its estimate on native, and under it on wasm', { timeout: 300_000 }, () => {
    for (const backend of ['native', 'wasm']) {
      const r = cli(['bench', '--json', '--encoder', 'resnet18', '--shape', '16,16,3', '--batch-size', '16', '--steps', '1', '--warmup', '1', '--backend', backend]);
      if (r.status !== 0 && backend === 'native' && !process.env.CI && /native kernels unavailable/.test(r.stderr)) continue;
      assert.equal(r.status, 0, r.stderr);
      const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { peakRssMiB: number; estimatedPeakMiB: number; backend: string };
      assert.equal(res.backend, backend);
      if (backend === 'wasm') {
        // wasm's estimate is of its heap (the process adds the runtime around it); the heap reuses freed memory more
        // tightly than the native backend's pool, so the estimate errs on the safe side there.
        const heap = res.peakRssMiB - PROCESS_BASELINE_MIB;
        assert.ok(heap <= 1.1 * res.estimatedPeakMiB, `wasm: heap about ${heap} MiB, estimated ${res.estimatedPeakMiB} MiB`);
      } else {
        assert.ok(Math.abs(res.peakRssMiB - res.estimatedPeakMiB) <= 0.25 * res.estimatedPeakMiB, `native: measured ${res.peakRssMiB} MiB, estimated ${res.estimatedPeakMiB} MiB`);
      }
    }
  });
});
