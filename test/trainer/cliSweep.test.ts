import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { tempDir } from '../helpers/runs';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');

describe('dcl-explorer sweep', () => {
  it('runs losses × batch sizes × seeds as grouped run folders and prints the table', () => {
    const runs = tempDir('dcl-sweep-');
    const r = spawnSync(
      process.execPath,
      [BIN, 'sweep', '--losses', 'infonce,dclw', '--batch-sizes', '16,32', '--seeds', '3', '--parallel', '2', '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--epochs', '1', '--encoder', 'mlp', '--projection', '16,8', '--backend', 'wasm', '--runs-dir', runs],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const folders = fs.readdirSync(runs);
    assert.equal(folders.length, 4);
    const configs = folders.map((f) => JSON.parse(fs.readFileSync(path.join(runs, f, 'config.json'), 'utf8')));
    assert.equal(new Set(configs.map((c) => c.sweepId)).size, 1, 'one sweepId for the whole grid');
    assert.deepEqual(configs.map((c) => `${c.loss}/${c.batchSize}/${c.seed}`).sort(), ['dclw/16/3', 'dclw/32/3', 'infonce/16/3', 'infonce/32/3']);
    for (const f of folders) assert.equal(JSON.parse(fs.readFileSync(path.join(runs, f, 'status.json'), 'utf8')).state, 'finished');
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
});
