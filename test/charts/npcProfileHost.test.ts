/**
 * Host side of the "NPC vs batch size" tab, without vscode: finding the cached profiles of a run (broken
 * files skipped with a reason), and the job that runs the real `dcl-explorer npc-profile` CLI on a tiny
 * run it trains first (and that a cancel kills).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { npcProfileCliArgs, readCachedProfiles, startNpcProfileJob } from '../../src/host/charts/npcProfileFiles';
import { CancelledError } from '../../src/host/projection/cliJob';
import { NPC_PROFILE_DIR } from '../../src/shared/npcProfile';
import { fixture, repoRoot } from '../helpers/paths';
import { readJson } from '../helpers/json';

const CLI = path.join(repoRoot(), 'dist', 'cli.js');

test('cached profiles: valid ones newest model first, broken ones skipped with why, no folder is no problem', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-npc-profiles-'));
  try {
    assert.deepEqual(await readCachedProfiles(tmp), { profiles: [], problems: [] });
    const dir = path.join(tmp, NPC_PROFILE_DIR);
    fs.mkdirSync(dir);
    const src = fixture('charts-run', NPC_PROFILE_DIR);
    for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const later = readJson<{ model: { step: number }; rows: unknown[] }>(path.join(src, 'step8-b16_32_64_128-n2-s0.json'));
    later.model.step = 40;
    later.rows.reverse(); // out of order on disk: the reader sorts by batch size
    fs.writeFileSync(path.join(dir, 'step40-b16_32_64_128-n2-s0.json'), JSON.stringify(later));
    fs.writeFileSync(path.join(dir, 'truncated.json'), '{"schemaVersion": 1, "rows": [');
    fs.writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ ...later, schemaVersion: 0 }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a profile, not a .json: ignored');
    fs.mkdirSync(path.join(dir, 'sub.json'));

    const { profiles, problems } = await readCachedProfiles(tmp);
    assert.deepEqual(profiles.map((p) => p.file), ['step40-b16_32_64_128-n2-s0.json', 'step8-b16_32_64_128-n2-s0.json', 'initial-b16_32_64_128-n2-s0.json']);
    assert.deepEqual(profiles[0].profile.rows.map((r) => r.batchSize), [16, 32, 64, 128]);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /^old\.json: unsupported schemaVersion 0$/);
    assert.match(problems[1], /^truncated\.json: not valid JSON/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the CLI arguments ask for progress lines, and --initial only for the initial model', () => {
  assert.deepEqual(npcProfileCliArgs('/r', false), ['npc-profile', '--run-dir', '/r', '--progress']);
  assert.deepEqual(npcProfileCliArgs('/r', true), ['npc-profile', '--run-dir', '/r', '--progress', '--initial']);
});

describe('the npc-profile job runs the real CLI', { skip: fs.existsSync(CLI) ? false : `${CLI} is missing: build first (node scripts/build.mjs)` }, () => {
  let tmp: string;
  let runDir: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-npc-job-'));
    const train = spawnSync(
      process.execPath,
      [CLI, 'train', '--dataset', 'synthetic', '--subset', '256', '--test-subset', '64', '--epochs', '1', '--encoder', 'mlp', '--batch-size', '32', '--runs-dir', tmp],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(train.status, 0, train.stderr);
    const runs = fs.readdirSync(tmp);
    assert.equal(runs.length, 1);
    runDir = path.join(tmp, runs[0]);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('computes a profile with progress, returns it validated, and answers the same request from the cache', async () => {
    const progress: number[] = [];
    const job = startNpcProfileJob({ nodePath: process.execPath, cliPath: CLI, runDir, initial: false, extraArgs: ['--batch-sizes', '16,32,64', '--batches', '2'], onProgress: (f) => progress.push(f) });
    const entry = await job.done;
    assert.equal(entry.file, 'step8-b16_32_64-n2-s0.json');
    assert.equal(entry.profile.model.kind, 'checkpoint');
    assert.deepEqual(entry.profile.rows.map((r) => r.batchSize), [16, 32, 64]);
    assert.ok(progress.length >= 4 && progress[progress.length - 1] === 1, `progress ${progress.join(', ')}`);
    assert.ok(fs.existsSync(path.join(runDir, NPC_PROFILE_DIR, entry.file)));

    const again = startNpcProfileJob({ nodePath: process.execPath, cliPath: CLI, runDir, initial: false, extraArgs: ['--batch-sizes', '16,32,64', '--batches', '2'] });
    assert.deepEqual((await again.done).profile, entry.profile);
    const { profiles } = await readCachedProfiles(runDir);
    assert.deepEqual(profiles.map((p) => p.file), [entry.file]);
  });

  test('cancelling kills the child: the job rejects with CancelledError and writes no profile', async () => {
    const before = fs.existsSync(path.join(runDir, NPC_PROFILE_DIR)) ? fs.readdirSync(path.join(runDir, NPC_PROFILE_DIR)) : [];
    // Many batches, so the computation is far from done when the first progress line arrives.
    const job = startNpcProfileJob({ nodePath: process.execPath, cliPath: CLI, runDir, initial: true, extraArgs: ['--batch-sizes', '16,32,64,128,256', '--batches', '400'], onProgress: () => job.cancel() });
    await assert.rejects(job.done, CancelledError);
    const now = fs.existsSync(path.join(runDir, NPC_PROFILE_DIR)) ? fs.readdirSync(path.join(runDir, NPC_PROFILE_DIR)) : [];
    assert.deepEqual(now, before, 'no new or half-written file');
  });

  test('a failure rejects with the tail of the CLI stderr', async () => {
    const job = startNpcProfileJob({ nodePath: process.execPath, cliPath: CLI, runDir: path.join(tmp, 'no-such-run'), initial: false });
    await assert.rejects(job.done, /is not a run folder \(no config\.json\)/);
  });
});
