import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { readStatus, tempDir } from '../helpers/runs';
import { readJson } from '../helpers/json';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('dcl-explorer train', () => {
  it('runs headless from flags over a config file; the last stdout line is the run folder', () => {
    const runs = tempDir('dcl-cli-runs-');
    const cfg = path.join(runs, 'base.dclrun.json');
    fs.writeFileSync(cfg, JSON.stringify({ loss: 'infonce', epochs: 3, encoder: 'mlp', projection: [16, 8], temperature: 0.2 }));
    const r = cli(['train', '--config', cfg, '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--epochs', '1', '--batch-size', '16', '--backend', 'wasm', '--runs-dir', runs, '--name', 'from cli']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const dir = lines.at(-1)!;
    assert.ok(dir.startsWith(runs), dir);
    const config = readJson(path.join(dir, 'config.json'));
    assert.equal(config.loss, 'infonce', 'from the file');
    assert.equal(config.temperature, 0.2, 'from the file');
    assert.equal(config.epochs, 1, 'flag overrides the file');
    assert.equal(config.name, 'from cli');
    assert.equal(readStatus(dir).state, 'finished');
    assert.match(r.stderr, /finished: loss/, 'plain progress lines when not a TTY');
    assert.doesNotMatch(r.stderr, /\r/);
  });

  it('a failed run still prints its folder, and exits 1', () => {
    const runs = tempDir('dcl-cli-runs-');
    const r = cli(['train', '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--epochs', '1', '--batch-size', '16', '--encoder', 'mlp', '--backend', 'wasm', '--runs-dir', runs, '--quiet'], { DCL_INJECT_NONFINITE_AT_STEP: '0' });
    assert.equal(r.status, 1);
    const dir = r.stdout.trim().split('\n').at(-1)!;
    assert.equal(readStatus(dir).error, 'non-finite loss at step 0');
  });

  const bad: [string, string[], RegExp][] = [
    ['unknown loss', ['--loss', 'simclr'], /loss must be one of infonce, dcl, dclw; got "simclr"/],
    ['non-numeric epochs', ['--epochs', 'ten'], /--epochs must be a number; got "ten"/],
    ['missing data dir', ['--dataset', 'cifar10'], /needs dataDir .*--data-dir DIR/],
    ['unknown flag', ['--batchsize', '3'], /unknown option --batchsize/],
    ['missing config file', ['--config', '/nope.json'], /cannot read config file \/nope.json/],
    ['run-dir with flags', ['--run-dir', '/tmp', '--epochs', '2'], /--run-dir uses the folder's config.json; drop .*--epochs/],
  ];
  for (const [name, args, pattern] of bad) {
    it(`rejects ${name} before creating anything`, () => {
      const runs = tempDir('dcl-cli-runs-');
      const r = cli(['train', '--runs-dir', runs, ...args]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, pattern);
      assert.deepEqual(fs.readdirSync(runs), [], 'no half-created run folder');
    });
  }
});
