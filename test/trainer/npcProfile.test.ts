import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NpcProfile } from '../../src/shared/npcProfile';
import { runTraining } from '../../src/trainer/train';
import { repoRoot } from '../helpers/paths';
import { makeRunDir, tempDir, tinyConfig } from '../helpers/runs';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, 'npc-profile', ...args], { encoding: 'utf8' });

describe('dcl-explorer npc-profile (NPC vs batch size)', () => {
  it('profiles the checkpoint and the initial model, caches by request, and shows q growing with the batch', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1 }));
    assert.equal((await runTraining(dir)).state, 'finished');

    const r = cli(['--run-dir', dir, '--batch-sizes', '8,64,1000', '--batches', '2', '--progress']);
    assert.equal(r.status, 0, r.stderr);
    const file = r.stdout.trim().split('\n').at(-1)!;
    assert.ok(file.startsWith(path.join(dir, 'npc-profile')), file);
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as NpcProfile;
    assert.equal(profile.model.kind, 'checkpoint');
    assert.equal(profile.model.step, 4);
    assert.deepEqual(profile.rows.map((row) => row.batchSize), [8, 64]);
    assert.deepEqual(profile.skipped, [{ batchSize: 1000, reason: 'larger than the 128 training images' }]);
    assert.equal(profile.rows[0].summary.count, 2 * 8 * 2, '2N multipliers × batches');
    assert.ok(profile.rows[1].summary.mean > profile.rows[0].summary.mean, 'more negatives push q towards 1');
    assert.match(r.stderr, /"progress":1/);

    const again = cli(['--run-dir', dir, '--batch-sizes', '8,64,1000', '--batches', '2']);
    assert.equal(again.stdout.trim(), file, 'the same request is answered from the cache');
    assert.equal(fs.statSync(file).mtimeMs, fs.statSync(file).mtimeMs);

    const initial = cli(['--run-dir', dir, '--batch-sizes', '8,64', '--batches', '2', '--initial']);
    assert.equal(initial.status, 0, initial.stderr);
    const initFile = initial.stdout.trim().split('\n').at(-1)!;
    assert.notEqual(initFile, file);
    assert.equal((JSON.parse(fs.readFileSync(initFile, 'utf8')) as NpcProfile).model.kind, 'initial');
  });

  it('rejects a folder that is not a run, and bad sizes, with the fix', () => {
    const r = cli(['--run-dir', tempDir()]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is not a run folder \(no config.json\)/);
    const r2 = cli(['--run-dir', tempDir(), '--batch-sizes', '1']);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /not a run folder|"1" is not a batch size ≥ 2/);
  });
});
