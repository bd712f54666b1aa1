import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { readStatus, tempDir } from '../helpers/runs';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('dcl-explorer train --resume', () => {
  it('continues a failed run in its folder to the end, then refuses the finished run in one line', () => {
    const runs = tempDir('dcl-cli-resume-');
    // 64 images / batch 16 = 4 steps per epoch; the 6th step aborts after the epoch-1 checkpoint (a WebAssembly
    // abort writes no checkpoint of its own, so step 5 is trained again).
    const flags = ['--dataset', 'synthetic', '--subset', '64', '--test-subset', '16', '--epochs', '2', '--batch-size', '16', '--encoder', 'mlp', '--projection', '16,8', '--backend', 'wasm', '--runs-dir', runs];
    const failed = cli(['train', ...flags, '--quiet'], { DCL_INJECT_ABORT_AT_STEP: '5' });
    assert.equal(failed.status, 1, failed.stderr);
    const dir = failed.stdout.trim().split('\n').at(-1)!;
    assert.equal(readStatus(dir).state, 'failed');

    // A weights.bin cut short is refused before the folder is touched, in one line naming the file (issue 18, family 3).
    const weights = path.join(dir, 'checkpoints', 'latest', 'encoder', 'weights.bin');
    const intact = fs.readFileSync(weights);
    const statusBefore = fs.readFileSync(path.join(dir, 'status.json'), 'utf8');
    fs.writeFileSync(weights, intact.subarray(0, 100));
    const torn = cli(['train', '--resume', dir]);
    assert.equal(torn.status, 1);
    assert.equal(torn.stderr, `dcl-explorer: cannot resume: ${weights} holds 100 bytes but ${path.join(path.dirname(weights), 'model.json')} describes ${intact.length}: the checkpoint is damaged or was cut short\n`);
    assert.equal(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'), statusBefore, 'the failed run is left as it was');
    fs.writeFileSync(weights, intact);

    const resumed = cli(['train', '--resume', dir]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(resumed.stdout.trim().split('\n').at(-1), dir, 'the same run folder');
    assert.match(resumed.stderr, /resumed from the checkpoint at step 4 \(epoch 1\) of 8, backend wasm; 1 step\(s\) logged after it are trained again/);
    assert.match(resumed.stderr, /finished: loss/);
    const status = readStatus(dir);
    assert.equal(status.state, 'finished');
    assert.equal(status.step, 8);
    assert.equal(status.error, undefined);
    const types = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    assert.equal(types.filter((t) => t === 'started').length, 1, 'one event stream');
    assert.ok(types.indexOf('resumed') > types.indexOf('failed'));

    const before = fs.readFileSync(path.join(dir, 'status.json'), 'utf8');
    const again = cli(['train', '--resume', dir]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr, `dcl-explorer: cannot resume: ${dir} finished at epoch 2; there is nothing left to train (start a new run for more epochs)\n`);
    assert.equal(fs.readFileSync(path.join(dir, 'status.json'), 'utf8'), before, 'nothing changed');

    const mixed = cli(['train', '--resume', dir, '--epochs', '3']);
    assert.equal(mixed.status, 2);
    assert.match(mixed.stderr, /--resume continues the run with its own config\.json; drop --epochs/);
  });
});
