/**
 * Issue 18, families 2 and 9: data problems are found before the run folder is written (one stderr line, exit 2, no
 * folder), and a failing --quiet run still says why on its last stderr line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCifar10 } from '../data/formats';
import { repoRoot } from '../helpers/paths';
import { readStatus, tempDir } from '../helpers/runs';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const TINY = ['--epochs', '1', '--encoder', 'mlp', '--backend', 'wasm'];

describe('dcl-explorer train checks its data before writing a run folder (issue 18)', () => {
  const data = tempDir('dcl-preflight-data-');
  const empty = path.join(data, 'empty');
  fs.mkdirSync(empty);
  const corrupt = path.join(data, 'corrupt');
  fs.mkdirSync(corrupt);
  for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) fs.writeFileSync(path.join(corrupt, f), 'not an IDX file');
  const cifar = writeCifar10(path.join(data, 'small'), 4, 6); // 20 training, 6 test images

  const cases: [string, string[], RegExp][] = [
    ['a missing --data-dir', ['--dataset', 'cifar10', '--data-dir', path.join(data, 'nope')], /data folder .*nope does not exist/],
    ['an empty --data-dir', ['--dataset', 'cifar10', '--data-dir', empty], /cannot find test_batch\.bin in .*empty/],
    ['a corrupt --data-dir', ['--dataset', 'idx', '--data-dir', corrupt], /train-images-idx3-ubyte: expected magic 0x00000803/],
    ['a batch larger than the training set', ['--dataset', 'synthetic', '--subset', '8', '--batch-size', '16'], /batch size 16 is larger than the 8 training images of synthetic; lower --batch-size/],
    ['a batch larger than a folder dataset', ['--dataset', 'cifar10', '--data-dir', cifar, '--batch-size', '32'], /batch size 32 is larger than the 20 training images of cifar10/],
    // --subset 1e9 is refused earlier, by the field's own limit (test/trainer/cliBadInput.test.ts); within it, the data's size bounds it.
    ['--subset beyond synthetic data', ['--dataset', 'synthetic', '--subset', '200000'], /--subset 200000 is more than the synthetic dataset generates \(at most 100000\)/],
    ['--subset larger than the data', ['--dataset', 'cifar10', '--data-dir', cifar, '--subset', '1000', '--batch-size', '4'], /--subset 1000 is more than the 20 training images of cifar10; lower --subset/],
    ['--test-subset larger than the data', ['--dataset', 'cifar10', '--data-dir', cifar, '--test-subset', '7', '--batch-size', '4'], /--test-subset 7 is more than the 6 test images of cifar10/],
  ];
  for (const [name, args, pattern] of cases) {
    it(`refuses ${name} in one line, exit 2, no run folder`, () => {
      const runs = tempDir('dcl-preflight-runs-');
      const r = cli(['train', '--runs-dir', runs, ...TINY, ...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.deepEqual(fs.readdirSync(runs), [], 'no run folder');
    });
  }

  it('--runs-dir under /proc fails in one line instead of spinning', { skip: !fs.existsSync('/proc/self') && 'no /proc here', timeout: 20_000 }, () => {
    const r = cli(['train', '--runs-dir', '/proc/dcl-x/runs', ...TINY, '--dataset', 'synthetic', '--subset', '16', '--batch-size', '8']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dcl-explorer: cannot create the runs folder \(--runs-dir\) \/proc\/dcl-x\/runs: mkdir \/proc\/dcl-x failed \(ENOENT\); choose a writable path\n$/);
  });

  it('a failing --quiet run ends stderr with "failed: reason" and prints its folder', () => {
    const runs = tempDir('dcl-preflight-runs-');
    const r = cli(['train', '--runs-dir', runs, ...TINY, '--dataset', 'synthetic', '--subset', '32', '--test-subset', '16', '--batch-size', '16', '--quiet'], { DCL_INJECT_NONFINITE_AT_STEP: '0' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), 'failed: non-finite loss at step 0');
    assert.equal(readStatus(r.stdout.trim()).state, 'failed');
  });
});
