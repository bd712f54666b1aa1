/** Parsing and planning a sweep's grid: every value checked by the single-run rules before anything starts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configFromFlags, pruneUndefined } from '../src/cli/trainFlags';
import { DEFAULT_RUN_CONFIG, resolveConfig } from '../src/shared/runConfig';
import { configValue, gridPoints, parseGridArg, parseGridArgs, planSweep, SWEEP_FIELDS, sweepAxes } from '../src/shared/sweepGrid';

describe('sweep grid', () => {
  it("names each field by the train flag that sets the same config path (the aliases cannot drift from train's)", () => {
    for (const f of SWEEP_FIELDS) {
      const value = configValue(DEFAULT_RUN_CONFIG, f.path);
      assert.notEqual(value, undefined, `${f.path} is a config field`);
      // A value other than the default, given as the train flag, must land on exactly this path.
      const other = typeof value === 'number' ? String(value === 0 ? 1 : value / 2) : f.path === 'loss' ? 'infonce' : f.path === 'encoder' ? 'mlp' : 'sgd';
      const config = resolveConfig(pruneUndefined(configFromFlags({ [f.flag]: other }, 'train')));
      assert.equal(String(configValue(config, f.path)), other, `--${f.flag} sets ${f.path}`);
    }
  });

  it('parses FIELD=values by train flag or config path, numbers where the field is a number', () => {
    assert.deepEqual(parseGridArg('temperature=0.05, 0.1,0.05'), { field: 'temperature', values: [0.05, 0.1] });
    assert.deepEqual(parseGridArg('lr=1e-3,3e-4'), { field: 'optimizer.lr', values: [0.001, 0.0003] });
    assert.deepEqual(parseGridArg('optimizer.weightDecay=0,1e-4'), { field: 'optimizer.weightDecay', values: [0, 1e-4] });
    assert.deepEqual(parseGridArg('knn-k=20,200'), { field: 'knn.k', values: [20, 200] });
    assert.deepEqual(parseGridArg('encoder=cnn,mlp'), { field: 'encoder', values: ['cnn', 'mlp'] });
  });

  it('says what is wrong with a malformed --grid, in one line', () => {
    assert.throws(() => parseGridArg('temperature'), /^Error: --grid needs FIELD=V1,V2,… \(e\.g\. temperature=0\.05,0\.1\); got "temperature"$/);
    assert.throws(() => parseGridArg('tau=0.1'), /^Error: --grid tau: not a field a sweep can vary; one of temperature, sigma, lr, weight-decay/);
    assert.throws(() => parseGridArg('lr=0.1,fast'), /^Error: --grid lr=fast: not a number$/);
    assert.throws(() => parseGridArg('lr= , '), /--grid lr: give at least one value/);
    assert.throws(() => parseGridArg('loss=dcl'), /--grid loss: use --losses for it/);
    assert.throws(() => parseGridArgs(['lr=0.1', 'optimizer.lr=0.2']), /--grid lr is given twice/);
  });

  it('checks each value with the single-run rules before planning, naming the field and value', () => {
    const axes = sweepAxes(['dcl'], [16], [parseGridArg('temperature=0.1,-1')]);
    assert.throws(() => planSweep({}, axes, [0], 's'), /^Error: --grid temperature=-1: temperature must be ≥ 0.001; got -1$/);
    assert.throws(() => planSweep({}, sweepAxes(['dcl'], [16], [parseGridArg('knn-k=2.5')]), [0], 's'), /^Error: --grid knn-k=2\.5: knn\.k must be a whole number; got 2\.5$/);
    assert.throws(() => planSweep({}, sweepAxes(['dcl'], [16], [parseGridArg('encoder=vit')]), [0], 's'), /--grid encoder=vit: encoder must be one of/);
  });

  it('plans the cartesian product × seeds, each a complete config with the sweepId', () => {
    const axes = sweepAxes(['infonce', 'dcl'], [16], parseGridArgs(['temperature=0.05,0.2', 'lr=1e-3,3e-4']));
    assert.equal(gridPoints(axes).length, 8);
    const runs = planSweep({ epochs: 2 }, axes, [0, 1], 'sweep-x');
    assert.equal(runs.length, 16);
    assert.deepEqual(runs[3].point, { loss: 'infonce', batchSize: 16, temperature: 0.05, 'optimizer.lr': 0.0003 });
    assert.equal(runs[3].label, 'infonce b16 τ=0.05 lr=0.0003 seed 1');
    const c = runs[3].config;
    assert.deepEqual([c.loss, c.batchSize, c.temperature, c.optimizer.lr, c.optimizer.weightDecay, c.seed, c.epochs, c.sweepId], ['infonce', 16, 0.05, 0.0003, 1e-6, 1, 2, 'sweep-x']);
  });
});
