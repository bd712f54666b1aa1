import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { tempDir } from '../helpers/runs';
import type { SweepRecord } from '../../src/launchers/sweepRecord';
import type { RunConfig, RunStatus } from '../../src/shared/protocol';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
/** Run folders only: `.sweeps/` holds the sweep records. */
const runFolders = (root: string) => fs.readdirSync(root).filter((n) => !n.startsWith('.'));
const readJson = <T>(...parts: string[]): T => JSON.parse(fs.readFileSync(path.join(...parts), 'utf8')) as T;
const TINY = ['--dataset', 'synthetic', '--subset', '16', '--test-subset', '16', '--batch-sizes', '16', '--epochs', '1', '--encoder', 'mlp', '--projection', '16,8', '--backend', 'wasm', '--knn-k', '5'];

describe('dcl-explorer sweep', () => {
  it('runs losses × batch sizes × seeds as grouped run folders and prints the table', () => {
    const runs = tempDir('dcl-sweep-');
    const r = spawnSync(
      process.execPath,
      [BIN, 'sweep', '--losses', 'infonce,dclw', '--batch-sizes', '16,32', '--seeds', '3', '--parallel', '2', '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--epochs', '1', '--encoder', 'mlp', '--projection', '16,8', '--backend', 'wasm', '--runs-dir', runs],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const folders = runFolders(runs);
    assert.equal(folders.length, 4);
    const configs = folders.map((f) => readJson<RunConfig>(runs, f, 'config.json'));
    assert.equal(new Set(configs.map((c) => c.sweepId)).size, 1, 'one sweepId for the whole grid');
    assert.deepEqual(configs.map((c) => `${c.loss}/${c.batchSize}/${c.seed}`).sort(), ['dclw/16/3', 'dclw/32/3', 'infonce/16/3', 'infonce/32/3']);
    for (const f of folders) assert.equal(readJson<RunStatus>(runs, f, 'status.json').state, 'finished');
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /kNN top-1 \(%\)\s+batch 16\s+batch 32/);
    assert.match(lines[1], /^InfoNCE \(SimCLR\)\s+\d+\.\d\d\s+\d+\.\d\d$/);
    assert.match(lines[2], /^DCLW\s+\d+\.\d\d\s+\d+\.\d\d$/);
    assert.match(r.stderr, /\[4\/4\]/);
  });

  it('rejects a bad grid before creating anything', () => {
    const runs = tempDir('dcl-sweep-');
    const r = spawnSync(process.execPath, [BIN, 'sweep', '--losses', 'dcl,simclr', '--runs-dir', runs], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--losses: "simclr" is not a loss/);
    const r2 = spawnSync(process.execPath, [BIN, 'sweep', '--batch-sizes', '1', '--runs-dir', runs], { encoding: 'utf8' });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /"1" is not a batch size ≥ 2/);
    assert.deepEqual(fs.readdirSync(runs), []);
  });

  it('sweeps a 2 × 2 grid of config fields (1 step each), records it, and pivots the table by --rows/--cols', () => {
    const runs = tempDir('dcl-sweep-');
    const r = spawnSync(process.execPath, [BIN, 'sweep', '--losses', 'dcl', '--grid', 'temperature=0.05,0.2', '--grid', 'lr=1e-3,3e-4', '--rows', 'lr', '--cols', 'temperature', '--parallel', '2', ...TINY, '--runs-dir', runs], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const configs = runFolders(runs).map((f) => readJson<RunConfig>(runs, f, 'config.json'));
    assert.deepEqual(configs.map((c) => `${c.temperature}/${c.optimizer.lr}`).sort(), ['0.05/0.0003', '0.05/0.001', '0.2/0.0003', '0.2/0.001']);
    const [record] = fs.readdirSync(path.join(runs, '.sweeps')).map((f) => readJson<SweepRecord>(runs, '.sweeps', f));
    assert.equal(record.sweepId, configs[0].sweepId);
    assert.deepEqual(record.axes.slice(2), [{ field: 'temperature', values: [0.05, 0.2] }, { field: 'optimizer.lr', values: [0.001, 0.0003] }]);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^kNN top-1 \(%\)\s+τ 0\.05\s+τ 0\.2$/, 'one loss: nothing else varies, one table');
    assert.match(lines[1], /^lr 0\.0003\s+\d+\.\d\d\s+\d+\.\d\d$/);
    assert.match(lines[2], /^lr 0\.001\s+\d+\.\d\d\s+\d+\.\d\d$/);
  });

  it('names a bad grid value, field or table axis in one line before creating anything', () => {
    const runs = tempDir('dcl-sweep-');
    const sweep = (...args: string[]) => spawnSync(process.execPath, [BIN, 'sweep', '--losses', 'dcl', ...args, '--runs-dir', runs], { encoding: 'utf8' });
    const bad: [string[], RegExp][] = [
      [['--grid', 'temperature=0.1,0'], /^dcl-explorer: sweep: --grid temperature=0: temperature must be ≥ 0.001; got 0\n$/],
      [['--grid', 'weight-decay=1e-4,-1'], /--grid weight-decay=-1: optimizer\.weightDecay must be ≥ 0; got -1/],
      [['--grid', 'tau=0.1'], /--grid tau: not a field a sweep can vary/],
      [['--grid', 'lr=0.1', '--cols', 'momentum'], /--cols momentum: not a field of this sweep/],
    ];
    for (const [args, message] of bad) {
      const r = sweep(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(fs.readdirSync(runs), []);
  });
});
