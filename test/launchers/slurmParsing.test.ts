/** Parsing what sbatch, scontrol, squeue and sacct print (samples from Slurm 22.05), and the state mapping. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandTaskIds, parseSacct, parseSbatchParsable, parseScontrolJobs, parseSqueue, queryJob, SlurmError, type CommandResult, type SlurmRunner } from '../../src/launchers/slurm/commands';
import { endedRunState, slurmPhase } from '../../src/launchers/slurm/state';

const SCONTROL = [
  'JobId=7 ArrayJobId=5 ArrayTaskId=2 ArrayTaskThrottle=2 JobName=sweep UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:02 Command=/a b/job.sbatch WorkDir=/tmp',
  'JobId=6 ArrayJobId=5 ArrayTaskId=1 JobName=sweep JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15',
  'JobId=5 ArrayJobId=5 ArrayTaskId=3-4%2 JobName=sweep JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0',
  'JobId=9 JobName=single JobState=CANCELLED Reason=None ExitCode=0:0',
  '',
].join('\n');

describe('Slurm output parsing', () => {
  it('sbatch --parsable: job id with or without the cluster', () => {
    assert.equal(parseSbatchParsable('42\n'), '42');
    assert.equal(parseSbatchParsable('42;dcltest\n'), '42');
    assert.throws(() => parseSbatchParsable('Submitted batch job 42'), SlurmError);
  });

  it('scontrol -o show job: one entry per array element, pending ranges expanded', () => {
    assert.deepEqual(parseScontrolJobs(SCONTROL), [
      { jobId: '5', arrayTaskId: 2, state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, exitSignal: 0 },
      { jobId: '5', arrayTaskId: 1, state: 'TIMEOUT', reason: 'TimeLimit', exitCode: 0, exitSignal: 15 },
      { jobId: '5', arrayTaskId: 3, state: 'PENDING', reason: 'JobArrayTaskLimit', exitCode: 0, exitSignal: 0 },
      { jobId: '5', arrayTaskId: 4, state: 'PENDING', reason: 'JobArrayTaskLimit', exitCode: 0, exitSignal: 0 },
      { jobId: '9', state: 'CANCELLED', reason: undefined, exitCode: 0, exitSignal: 0 },
    ]);
  });

  it('squeue -r -o %i|%T|%r', () => {
    assert.deepEqual(parseSqueue('5_0|RUNNING|None\n5_[1-2%2]|PENDING|Priority\n9|COMPLETED|None\n'), [
      { jobId: '5', arrayTaskId: 0, state: 'RUNNING', reason: undefined },
      { jobId: '5', arrayTaskId: 1, state: 'PENDING', reason: 'Priority' },
      { jobId: '5', arrayTaskId: 2, state: 'PENDING', reason: 'Priority' },
      { jobId: '9', state: 'COMPLETED', reason: undefined },
    ]);
  });

  it('sacct -P: "CANCELLED by 0" is CANCELLED', () => {
    assert.deepEqual(parseSacct('5_0|CANCELLED by 0|0:15|None\n5_1|NODE_FAIL|1:0|NodeDown\n'), [
      { jobId: '5', arrayTaskId: 0, state: 'CANCELLED', reason: undefined, exitCode: 0, exitSignal: 15 },
      { jobId: '5', arrayTaskId: 1, state: 'NODE_FAIL', reason: 'NodeDown', exitCode: 1, exitSignal: 0 },
    ]);
  });

  it('expands task id lists', () => {
    assert.deepEqual(expandTaskIds('1,3-5%2'), [1, 3, 4, 5]);
    assert.deepEqual(expandTaskIds('0-6:3'), [0, 3, 6]);
  });
});

/** A scripted Slurm: answers per command name, records the calls. */
function fakeSlurm(answers: Record<string, CommandResult | Error>): { run: SlurmRunner; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (command, args) => {
      calls.push([command, ...args].join(' '));
      const a = answers[command];
      if (a instanceof Error) throw a;
      return a ?? { code: 1, stdout: '', stderr: `${command}: not scripted` };
    },
  };
}

describe('queryJob', () => {
  it('asks scontrol first', async () => {
    const { run, calls } = fakeSlurm({ scontrol: { code: 0, stdout: SCONTROL, stderr: '' } });
    assert.equal((await queryJob(run, '5')).length, 5);
    assert.deepEqual(calls, ['scontrol -o show job 5']);
  });

  it('falls back to sacct when the controller forgot the job, and copes without accounting', async () => {
    const forgot = { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' };
    const withAcct = fakeSlurm({ scontrol: forgot, sacct: { code: 0, stdout: '5_0|TIMEOUT|0:15|TimeLimit\n', stderr: '' } });
    assert.deepEqual(await queryJob(withAcct.run, '5'), [{ jobId: '5', arrayTaskId: 0, state: 'TIMEOUT', reason: 'TimeLimit', exitCode: 0, exitSignal: 15 }]);
    const noAcct = fakeSlurm({ scontrol: forgot, sacct: { code: 1, stdout: 'Slurm accounting storage is disabled\n', stderr: '' }, squeue: { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' } });
    assert.deepEqual(await queryJob(noAcct.run, '5'), []);
    assert.deepEqual(noAcct.calls.map((c) => c.split(' ')[0]), ['scontrol', 'sacct', 'squeue']);
  });

  it('an unreachable controller is an error quoting Slurm, not a forgotten job', async () => {
    const { run } = fakeSlurm({ scontrol: { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' } });
    await assert.rejects(queryJob(run, '5'), /cannot ask the Slurm controller about job 5: .*connect failure/);
  });
});

describe('Slurm state → run state', () => {
  it('phases', () => {
    for (const s of ['PENDING', 'REQUEUED', 'CONFIGURING']) assert.equal(slurmPhase(s), 'pending', s);
    for (const s of ['RUNNING', 'COMPLETING', 'SUSPENDED', 'SOMETHING_NEW']) assert.equal(slurmPhase(s), 'running', s);
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY']) assert.equal(slurmPhase(s), 'ended', s);
  });

  it('a user cancel is stopped; what the scheduler decides is failed with its reason', () => {
    assert.deepEqual(endedRunState({ state: 'COMPLETED' }, false), { state: 'finished' });
    assert.equal(endedRunState({ state: 'CANCELLED' }, true).state, 'stopped');
    assert.deepEqual(endedRunState({ state: 'CANCELLED' }, false), { state: 'failed', message: 'the job was cancelled (by the scheduler or an administrator, not from DCL Explorer)' });
    assert.deepEqual(endedRunState({ state: 'TIMEOUT', reason: 'TimeLimit', exitCode: 0, exitSignal: 15 }, true), { state: 'failed', message: 'the job reached its time limit (reason: TimeLimit; exit code 0, signal 15)' });
    assert.match(endedRunState({ state: 'PREEMPTED' }, false).message ?? '', /preempted/);
    assert.match(endedRunState({ state: 'NODE_FAIL', reason: 'NodeDown' }, false).message ?? '', /node running the job failed \(reason: NodeDown\)/);
  });
});
