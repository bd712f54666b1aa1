/** The fast kernels' version pin, off switches and uninstall, and identity without a copy. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAST_WASM_TFJS_VERSION, installFastWasm, isFastWasmInstalled, uninstallFastWasm, versionMismatch } from '../../src/trainer/fastWasm';
import { backendDataIds, compare, input, stock, useFastWasm } from './harness';

useFastWasm();

describe('version pin and switches', () => {
  test('versionMismatch accepts only the version the kernels were written for', () => {
    assert.equal(versionMismatch({ core: '4.22.0', wasm: '4.22.0' }), null);
    assert.equal(
      versionMismatch({ core: '4.23.0', wasm: '4.22.0' }),
      'fast-wasm kernels were written for tfjs 4.22.0 but tfjs-core 4.23.0 is loaded; using stock kernels',
    );
    assert.match(versionMismatch({ core: '4.22.0', wasm: '4.21.1' }) ?? '', /but tfjs-backend-wasm 4\.21\.1 is loaded/);
    assert.match(versionMismatch({ core: '5.0.0', wasm: undefined }) ?? '', /tfjs-core 5\.0\.0 and tfjs-backend-wasm \(unknown\) are loaded/);
    assert.equal(FAST_WASM_TFJS_VERSION, '4.22.0');
    assert.equal(tf.version['tfjs-core'], FAST_WASM_TFJS_VERSION, 'this project pins tfjs 4.22.0');
  });

  test('a version mismatch, DCL_FAST_WASM=0 or enabled:false installs nothing', () => {
    uninstallFastWasm();
    try {
      const mismatch = installFastWasm({ env: {}, versions: { core: '4.23.0', wasm: '4.23.0' } });
      assert.equal(mismatch.installed, false);
      assert.deepEqual(mismatch.kernels, []);
      assert.match(mismatch.reason ?? '', /written for tfjs 4\.22\.0 but tfjs-core 4\.23\.0 and tfjs-backend-wasm 4\.23\.0 are loaded; using stock kernels/);
      assert.equal(installFastWasm({ env: { DCL_FAST_WASM: '0' } }).installed, false);
      assert.equal(installFastWasm({ env: {}, enabled: false }).installed, false);
      assert.equal(isFastWasmInstalled(), false);
      assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stock.matMul, 'stock kernel untouched');
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    } finally {
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
  });

  test('installs only on the wasm backend, and only once', async () => {
    await tf.setBackend('cpu');
    uninstallFastWasm();
    try {
      const r = installFastWasm({ env: {} });
      assert.equal(r.installed, false);
      assert.match(r.reason ?? '', /active backend is cpu/);
    } finally {
      await tf.setBackend('wasm');
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
    const again = installFastWasm({ env: {} });
    assert.equal(again.installed, true);
    assert.equal(again.reason, 'already installed');
    assert.deepEqual(again.kernels.sort(), ['BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity', 'Sum', '_FusedMatMul']);
  });

  test('uninstall restores the stock kernels and their behaviour', async () => {
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stock.matMul);
    assert.equal(uninstallFastWasm(), true);
    try {
      assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, stock.matMul);
      assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc, stock.backpropInput);
      // Stock 4.22 has no Conv2DBackpropFilter for wasm, so a conv's filter gradient fails again.
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
      await tf.setBackend('wasm');
      const x = tf.ones([1, 4, 4, 1]);
      const f = tf.ones([2, 2, 1, 1]);
      assert.throws(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))([x, f]));
      tf.dispose([x, f]);
      assert.equal(uninstallFastWasm(), false, 'second uninstall is a no-op');
    } finally {
      assert.equal(installFastWasm({ env: {} }).installed, true);
    }
  });
});


describe('identity without a copy', () => {
  test('a clone shares the buffer, and either side can be disposed first', async () => {
    await tf.setBackend('wasm');
    const ids = backendDataIds();
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    assert.equal(backendDataIds(), ids + 1, 'one buffer for both');
    a.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
    const c = tf.clone(b);
    c.dispose();
    assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
    b.dispose();
    assert.equal(backendDataIds(), ids, 'the buffer is freed with the last tensor');
    const str = tf.tensor(['x', 'y']);
    const s = tf.clone(str);
    assert.deepEqual(s.arraySync(), ['x', 'y'], 'strings keep the stock kernel');
    tf.dispose([str, s]);
  });

  test('values and gradients through identities match cpu', async () => {
    await compare('identity chain', [input([3, 4])], (x) => [tf.clone(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clone(t), t)))(x)]);
  });
});
