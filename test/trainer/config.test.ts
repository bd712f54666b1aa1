import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_RUN_CONFIG, mergeConfig, resolveConfig, runLabel } from '../../src/shared/runConfig';
import { learningRateAt } from '../../src/trainer/schedule';

describe('run config validation', () => {
  it('fills every default from a minimal config', () => {
    const c = resolveConfig({ loss: 'infonce' });
    assert.equal(c.loss, 'infonce');
    assert.equal(c.temperature, 0.1);
    assert.equal(c.sigma, 0.5);
    assert.deepEqual(c.optimizer, DEFAULT_RUN_CONFIG.optimizer);
    assert.deepEqual(c.knn, { k: 200, t: 0.1, everyEpochs: 1, everySteps: 0 });
  });

  it('merges nested objects field by field, later inputs winning', () => {
    const m = mergeConfig({ optimizer: { lr: 0.5, kind: 'sgd' } }, { optimizer: { lr: 0.1 } }, { epochs: undefined });
    assert.deepEqual(m, { optimizer: { lr: 0.1, kind: 'sgd' } });
    assert.equal(resolveConfig(m).optimizer.momentum, 0.9);
  });

  it('lists every problem with the field, the rule and what was found, unknown fields first, in one line', () => {
    try {
      resolveConfig({ loss: 'simclr', temperature: 0, batchSize: 1.5, optimizer: { lr: -1 }, knn: { k: 0 }, tau: 0.1 });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.match(e.problems[0], /unknown field "tau"/, 'unknown fields are reported before anything else');
      assert.deepEqual(e.problems.slice(1), [
        'loss must be one of infonce, dcl, dclw; got "simclr"',
        'temperature must be ≥ 0.001; got 0',
        'batchSize must be a whole number; got 1.5',
        'optimizer.lr must be ≥ 1e-8; got -1',
        'knn.k must be ≥ 1; got 0',
      ]);
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, /^invalid run config: unknown field "tau".*; loss must be .*; temperature must be ≥ 0\.001; got 0 \(3 more\)$/);
    }
  });

  it('datasets read from disk need dataDir, and say which flag gives it', () => {
    assert.throws(() => resolveConfig({ dataset: 'cifar10' }), /dataset "cifar10" needs dataDir .*--data-dir DIR/);
    assert.equal(resolveConfig({ dataset: 'cifar10', dataDir: '/data/cifar' }).dataDir, '/data/cifar');
  });

  it('refuses a folder the dataset would ignore: dataDir without a folder dataset, testDir without imagefolder', () => {
    assert.throws(() => resolveConfig({ dataset: 'mnist', dataDir: '/nonexistent' }), /dataDir is only read by the folder datasets \(idx, .*imagefolder\); dataset "mnist" reads none: remove dataDir/);
    assert.throws(() => resolveConfig({ dataset: 'cifar10', dataDir: '/d', testDir: '/t' }), /testDir is only read by dataset "imagefolder"; got "cifar10": remove testDir/);
    assert.equal(resolveConfig({ dataset: 'imagefolder', dataDir: '/d', testDir: '/t' }).testDir, '/t');
  });

  it('rejects a non-object config', () => {
    assert.throws(() => resolveConfig([1, 2]), /must be a JSON object/);
    assert.throws(() => resolveConfig({ optimizer: 3 }), /optimizer must be an object/);
  });

  it('labels a run by name or by loss · batch · τ', () => {
    assert.equal(runLabel({ loss: 'dcl', batchSize: 32, temperature: 0.1 }), 'dcl · b32 · τ0.1');
    assert.equal(runLabel({ name: 'baseline', loss: 'dcl', batchSize: 32, temperature: 0.1 }), 'baseline');
  });
});

describe('learning-rate schedule', () => {
  const opt = { lr: 1, warmupEpochs: 1, schedule: 'cosine' as const };
  it('warms up linearly, then decays by a half cosine to zero', () => {
    // 10 steps per epoch, 1 warm-up epoch, 30 steps in all.
    assert.equal(learningRateAt(0, 30, 10, opt), 0.1);
    assert.equal(learningRateAt(9, 30, 10, opt), 1);
    assert.equal(learningRateAt(10, 30, 10, opt), 1);
    assert.ok(Math.abs(learningRateAt(20, 30, 10, opt) - 0.5) < 1e-12);
    assert.ok(learningRateAt(29, 30, 10, opt) < 0.01);
  });
  it('constant stays put after warm-up', () => {
    assert.equal(learningRateAt(25, 30, 10, { ...opt, schedule: 'constant' }), 1);
  });
});
