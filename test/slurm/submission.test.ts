/**
 * Submissions that must fail cleanly or stay harmless, on a real single-node Slurm: a partition Slurm
 * rejects (its message quoted, nothing left behind), shell metacharacters in a run name and a runs
 * folder (never reach a shell), a malformed partition (rejected before sbatch) and a missing sbatch.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SlurmLauncher } from '../../src/launchers/slurm/slurmLauncher';
import { slurmUnavailable, startCluster, type TestCluster } from './cluster';
import { cli, makeRunFolder, newRunsRoot, runFolders, status, TINY_FLAGS, TRAINER } from './helpers';
import { readJson } from '../helpers/json';

const skip = slurmUnavailable() ?? (fs.existsSync(TRAINER) ? false : `${TRAINER} is not built: run "node scripts/build.mjs" first`);
if (skip) process.stderr.write(`SKIP test/slurm/submission: ${skip}\n`);

describe('Slurm submissions that must fail cleanly or stay harmless', { skip, timeout: 600_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('a partition Slurm rejects gives an error quoting Slurm and leaves nothing behind', async () => {
    const root = newRunsRoot();
    const dirs = [makeRunFolder(root, 'a'), makeRunFolder(root, 'b')];
    const launcher = new SlurmLauncher({ trainerPath: TRAINER, nodePath: process.execPath, cwd: root }, { partition: 'nosuchpartition' });
    await assert.rejects(launcher.launch(dirs, { concurrency: 2, name: 'rejected' }), /Slurm rejected the job: .*invalid partition/i);
    assert.deepEqual(runFolders(root), [], 'the run folders are deleted');
    assert.deepEqual(fs.readdirSync(path.join(root, '.slurm')), [], 'the submission folder is deleted');

    const r = cli(['sweep', '--launcher', 'slurm', '--partition', 'nosuchpartition', '--losses', 'dcl', ...TINY_FLAGS, '--runs-dir', root], cluster.env);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the submission failed and nothing was kept: Slurm rejected the job: .*Invalid partition name specified/);
    assert.deepEqual(runFolders(root), []);
  });

  it('shell metacharacters in a run name and in the runs folder do not reach a shell', () => {
    const marker = path.join(os.tmpdir(), `dcl-pwned-${process.pid}-${Date.now()}`);
    const base = newRunsRoot();
    // A runs folder with a space, quotes, `$(…)` and `%`: quoted in the script, passed to sbatch as argv.
    const root = path.join(base, `runs 'q' $(touch ${marker}) 100%`);
    const name = `x'; touch ${marker}; echo '`;
    const r = cli(['sweep', '--launcher', 'slurm', '--wait', '--poll-seconds', '0.5', '--name', name, '--losses', 'dcl', '--cpus-per-task', '1', ...TINY_FLAGS, '--runs-dir', root], cluster.env);
    assert.equal(r.status, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(fs.existsSync(marker), false, 'nothing was executed from the name or the path');
    const [dir] = runFolders(root);
    const s = status(path.join(root, dir));
    assert.equal(s.state, 'finished', s.error);
    assert.ok(fs.existsSync(path.join(root, dir, 'slurm.out')), 'the output pattern with % and spaces reached the run folder');
    assert.equal(readJson(path.join(root, dir, 'config.json')).name, `${name}: dcl b16 seed 0`);
  });

  it('a malformed partition is rejected before sbatch, with nothing created', () => {
    const marker = path.join(os.tmpdir(), `dcl-pwned-part-${process.pid}`);
    const root = newRunsRoot();
    for (const partition of ['debug;id', `debug$(touch ${marker})`, 'debug id']) {
      const r = cli(['sweep', '--launcher', 'slurm', '--partition', partition, '--losses', 'dcl', ...TINY_FLAGS, '--runs-dir', root], cluster.env);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /partition must be a Slurm partition name/);
    }
    assert.deepEqual(fs.readdirSync(root), []);
    assert.equal(fs.existsSync(marker), false);
  });

  it('a missing sbatch gives a clear error and leaves nothing behind', () => {
    const root = newRunsRoot();
    const r = cli(['sweep', '--launcher', 'slurm', '--losses', 'dcl', ...TINY_FLAGS, '--runs-dir', root], { ...cluster.env, PATH: '/nonexistent' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"sbatch" was not found on PATH: install the Slurm client tools/);
    assert.deepEqual(runFolders(root), []);
  });

  it('an unreachable controller gives an error quoting Slurm', async () => {
    const root = newRunsRoot();
    const conf = path.join(root, 'unreachable.conf');
    // The test cluster's config with the controller moved to a port nobody listens on.
    fs.writeFileSync(conf, fs.readFileSync(cluster.conf, 'utf8').replace(/^SlurmctldPort=\d+$/m, 'SlurmctldPort=1'));
    const r = cli(['sweep', '--launcher', 'slurm', '--losses', 'dcl', ...TINY_FLAGS, '--runs-dir', path.join(root, 'runs')], { ...cluster.env, SLURM_CONF: conf }, 120_000);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Slurm rejected the job: .*(Unable to contact slurm controller|connect failure|Connection refused)/i);
    assert.deepEqual(runFolders(path.join(root, 'runs')), []);
  });
});
