/**
 * Sweeps on a real single-node Slurm (cluster.sh): a job array whose runs all finish with their metrics,
 * a running job cancelled through the launcher (→ stopped, metrics kept), and jobs that exit non-zero
 * (→ failed, with the trainer's error or the job's stderr tail).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlurmLauncher, SlurmRuns } from '../../src/launchers/slurm/slurmLauncher';
import { spawnSlurm } from '../../src/launchers/slurm/commands';
import { slurmUnavailable, startCluster, type TestCluster } from './cluster';
import { cli, events, makeRunFolder, newRunsRoot, runFolders, status, TINY_FLAGS, TRAINER, waitFor } from './helpers';
import { readJson } from '../helpers/json';

const skip = slurmUnavailable() ?? (fs.existsSync(TRAINER) ? false : `${TRAINER} is not built: run "node scripts/build.mjs" first`);
if (skip) process.stderr.write(`SKIP test/slurm/sweep: ${skip}\n`);

describe('sweeps on a real Slurm', { skip, timeout: 600_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('submits a 3-run sweep as one job array; every run finishes and its metrics arrive', () => {
    const root = newRunsRoot();
    const r = cli(['sweep', '--launcher', 'slurm', '--wait', '--poll-seconds', '0.5', '--losses', 'infonce,dcl,dclw', '--seeds', '0', '--parallel', '3', '--cpus-per-task', '1', ...TINY_FLAGS, '--runs-dir', root], cluster.env);
    assert.equal(r.status, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const [first, ...dirs] = r.stdout.trim().split('\n');
    const jobId = /^slurm job (\d+)$/.exec(first)?.[1];
    assert.ok(jobId, `first stdout line names the job: ${first}`);
    const runDirs = dirs.slice(0, 3);
    assert.deepEqual(runDirs.map((d) => path.basename(d)).sort(), runFolders(root).sort());
    for (const [i, dir] of runDirs.entries()) {
      const s = status(dir);
      assert.equal(s.state, 'finished', `${dir}: ${s.error}`);
      assert.equal(s.launcher, 'slurm');
      assert.deepEqual(s.slurm, { jobId, arrayTaskId: i, state: 'COMPLETED' });
      const types = events(dir).map((e) => e.type);
      assert.ok(types.includes('started') && types.includes('step') && types.includes('knn'), types.join(','));
      assert.equal(types.at(-1), 'finished');
      assert.ok(fs.existsSync(path.join(dir, 'slurm.out')), 'Slurm wrote the job output into the run folder');
    }
    const sweepIds = new Set(runDirs.map((d) => readJson(path.join(d, 'config.json')).sweepId));
    assert.equal(sweepIds.size, 1);
    assert.match(r.stdout, /kNN top-1 \(%\)\s+batch 16/);
    assert.match(r.stdout, /^InfoNCE \(SimCLR\)\s+\d+\.\d\d$/m);
    assert.match(r.stdout, /^DCLW\s+\d+\.\d\d$/m);
    assert.match(r.stderr, /\[3\/3\]/);
  });

  it('returns right after submitting a --grid sweep without --wait; the array script lists each task\'s grid point', () => {
    const root = newRunsRoot();
    const r = cli(['sweep', '--launcher', 'slurm', '--losses', 'dcl', '--grid', 'temperature=0.05,0.2', '--cpus-per-task', '1', ...TINY_FLAGS, '--runs-dir', root], cluster.env);
    assert.equal(r.status, 0, r.stderr);
    const [first, dir, dir2] = r.stdout.trim().split('\n');
    assert.match(first, /^slurm job \d+$/);
    assert.doesNotMatch(r.stdout, /kNN top-1/);
    const s = status(dir);
    assert.ok(['queued', 'running', 'finished'].includes(s.state), s.state);
    assert.deepEqual([dir, dir2].map((d) => readJson(path.join(d, 'config.json')).temperature), [0.05, 0.2]);
    const sweepId = readJson<{ sweepId: string }>(path.join(dir, 'config.json')).sweepId;
    const script = fs.readFileSync(path.join(root, '.slurm', sweepId, 'job.sbatch'), 'utf8');
    assert.match(script, /^#SBATCH --array=0-1%1$/m);
    assert.match(script, /^# task 0: loss=dcl batch-size=16 temperature=0\.05 seed=0$/m);
    assert.match(script, /^# task 1: loss=dcl batch-size=16 temperature=0\.2 seed=0$/m);
    assert.deepEqual(readJson<{ axes: unknown[] }>(path.join(root, '.sweeps', `${sweepId}.json`)).axes[2], { field: 'temperature', values: [0.05, 0.2] });
    assert.match(r.stderr, /scancel \d+/);
  });

  it('a running job cancelled through the launcher becomes stopped, its metrics intact', async () => {
    const root = newRunsRoot();
    // Long enough to be cancelled mid-way: many epochs of the tiny data.
    const dir = makeRunFolder(root, 'long', { epochs: 500, logEvery: 1, knn: { ...{ k: 5, t: 0.1, everyEpochs: 0, everySteps: 0 } } });
    const launcher = new SlurmLauncher({ trainerPath: TRAINER, nodePath: process.execPath, cwd: root }, { cpusPerTask: 1 });
    const runs = await launcher.launch([dir], { concurrency: 1, name: 'cancel-me' });
    await waitFor('a few training steps', () => events(dir).filter((e) => e.type === 'step').length >= 3);
    assert.equal(status(dir).state, 'running');
    await runs.cancel();
    const [end] = await runs.wait({ pollMs: 300 });
    assert.equal(end.status?.state, 'stopped', JSON.stringify(end.status));
    assert.equal(end.status?.slurm?.state, 'CANCELLED');
    const evs = events(dir);
    assert.ok(evs.filter((e) => e.type === 'step').length >= 3, 'the steps logged before the cancel are kept');
    assert.ok(evs.some((e) => e.type === 'started'));
  });

  it('a trainer that fails (non-finite loss injected through the script) becomes failed with its error', async () => {
    const root = newRunsRoot();
    const dir = makeRunFolder(root, 'nan');
    const launcher = new SlurmLauncher({ trainerPath: TRAINER, nodePath: process.execPath, cwd: root, env: { DCL_INJECT_NONFINITE_AT_STEP: '0' } }, { cpusPerTask: 1 });
    const [end] = await (await launcher.launch([dir], { concurrency: 1, name: 'nan' })).wait({ pollMs: 300 });
    assert.equal(end.status?.state, 'failed');
    assert.equal(end.status?.slurm?.state, 'FAILED');
    assert.match(end.status?.error ?? '', /non-?finite|NaN|Infinity/i);
    assert.match(fs.readFileSync(path.join(dir, 'slurm.err'), 'utf8'), /trainer:/, 'the trainer\'s stderr is in the run folder');
  });

  it('a job whose trainer never starts becomes failed with the stderr tail', async () => {
    const root = newRunsRoot();
    const dir = makeRunFolder(root, 'no-node');
    const launcher = new SlurmLauncher({ trainerPath: TRAINER, nodePath: '/nonexistent/bin/node', cwd: root }, { cpusPerTask: 1 });
    const [end] = await (await launcher.launch([dir], { concurrency: 1, name: 'no-node' })).wait({ pollMs: 300 });
    assert.equal(end.status?.state, 'failed');
    assert.equal(end.status?.slurm?.state, 'FAILED');
    assert.match(end.status?.error ?? '', /the job failed \(reason: NonZeroExitCode; exit code 127\)/);
    assert.match(end.status?.error ?? '', /last output: .*\/nonexistent\/bin\/node/);
  });

  it('finds the state of runs it did not launch from their status.json alone', async () => {
    const root = newRunsRoot();
    const dir = makeRunFolder(root, 'attached');
    const launcher = new SlurmLauncher({ trainerPath: TRAINER, nodePath: process.execPath, cwd: root }, { cpusPerTask: 1 });
    await launcher.launch([dir], { concurrency: 1, name: 'attached' });
    // Another process (the editor after a reload) knows only the folder.
    const [end] = await new SlurmRuns(spawnSlurm, [dir]).wait({ pollMs: 300 });
    assert.equal(end.status?.state, 'finished', end.status?.error);
  });
});
