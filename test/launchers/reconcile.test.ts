/** What the reconciler writes into status.json once a Slurm job has ended, given what the trainer wrote. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunStatus } from '../../src/shared/protocol';
import type { SlurmRunner } from '../../src/launchers/slurm/commands';
import { finalStatus, reconcileSlurmRuns } from '../../src/launchers/slurm/reconcile';
import { readJson } from '../helpers/json';

const NOW = new Date('2026-01-01T00:00:00Z');
const base = (over: Partial<RunStatus> = {}): RunStatus => ({ schemaVersion: 1, state: 'running', createdAt: 'c', launcher: 'slurm', slurm: { jobId: '5', arrayTaskId: 0 }, ...over });

describe('finalStatus', () => {
  it('a time limit turns the trainer\'s own "stopped" into failed with the reason', () => {
    const s = finalStatus(base({ state: 'stopped', endedAt: 'e' }), { jobId: '5', arrayTaskId: 0, state: 'TIMEOUT', reason: 'TimeLimit' }, false, [], NOW);
    assert.equal(s?.state, 'failed');
    assert.equal(s?.error, 'the job reached its time limit (reason: TimeLimit)');
    assert.deepEqual(s?.slurm, { jobId: '5', arrayTaskId: 0, state: 'TIMEOUT', reason: 'TimeLimit' });
    assert.equal(s?.endedAt, 'e');
  });

  it('a user cancel is stopped, also for a job that never started', () => {
    const s = finalStatus(base({ state: 'queued' }), { jobId: '5', state: 'CANCELLED' }, true, [], NOW);
    assert.equal(s?.state, 'stopped');
    assert.equal(s?.endedAt, NOW.toISOString());
  });

  it('keeps the trainer\'s error for a failure it caught, and adds the stderr tail to a crash', () => {
    const caught = finalStatus(base({ state: 'failed', error: 'non-finite loss at step 0' }), { jobId: '5', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 1 }, false, ['trainer: x'], NOW);
    assert.equal(caught?.error, 'non-finite loss at step 0');
    const crash = finalStatus(base({ state: 'running' }), { jobId: '5', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 127 }, false, ['bash: /x/node: No such file'], NOW);
    assert.equal(crash?.state, 'failed');
    assert.equal(crash?.error, 'the job failed (reason: NonZeroExitCode; exit code 127); last output: bash: /x/node: No such file');
  });

  it('a run that finished stays finished, and a recorded end is not rewritten', () => {
    assert.equal(finalStatus(base({ state: 'finished' }), { jobId: '5', state: 'TIMEOUT' }, false, [], NOW)?.state, 'finished');
    assert.equal(finalStatus(base({ state: 'finished', slurm: { jobId: '5', state: 'COMPLETED' } }), { jobId: '5', state: 'COMPLETED' }, false, [], NOW), undefined);
    assert.equal(finalStatus(base({ state: 'running' }), { jobId: '5', state: 'COMPLETED' }, false, [], NOW)?.state, 'failed');
  });
});

describe('reconcileSlurmRuns', () => {
  const runDir = (status: RunStatus): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-reconcile-'));
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify(status));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"type":"step"}\n');
    return dir;
  };

  it('writes only ended jobs, once per job id, and never touches metrics.jsonl', async () => {
    const a = runDir(base({ slurm: { jobId: '5', arrayTaskId: 0 } }));
    const b = runDir(base({ state: 'queued', slurm: { jobId: '5', arrayTaskId: 1 } }));
    const calls: string[] = [];
    const run: SlurmRunner = async (command, args) => {
      calls.push(`${command} ${args.join(' ')}`);
      return { code: 0, stdout: 'JobId=6 ArrayJobId=5 ArrayTaskId=0 JobState=PREEMPTED Reason=None ExitCode=0:15\nJobId=5 ArrayJobId=5 ArrayTaskId=1 JobState=PENDING Reason=Priority ExitCode=0:0\n', stderr: '' };
    };
    const reports = await reconcileSlurmRuns([a, b], run);
    assert.deepEqual(calls, ['scontrol -o show job 5']);
    assert.deepEqual(reports.map((r) => [r.phase, r.settled, r.status?.state]), [['ended', true, 'failed'], ['pending', false, 'queued']]);
    assert.equal(reports[1].job?.reason, 'Priority');
    assert.match(readJson<{ error: string }>(path.join(a, 'status.json')).error, /preempted/);
    assert.equal(fs.readFileSync(path.join(a, 'metrics.jsonl'), 'utf8'), '{"type":"step"}\n');
  });

  it('leaves runs alone while the controller cannot be asked', async () => {
    const a = runDir(base());
    const run: SlurmRunner = async () => ({ code: 1, stdout: '', stderr: 'Unable to contact slurm controller (connect failure)' });
    const [r] = await reconcileSlurmRuns([a], run);
    assert.equal(r.settled, false);
    assert.match(r.problem ?? '', /connect failure/);
    assert.equal(readJson(path.join(a, 'status.json')).state, 'running');
  });
});
