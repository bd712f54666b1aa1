import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resumeRefusal } from '../../src/host/runs/resumeCheck';
import type { RunState, RunStatus } from '../../src/shared/protocol';

function run(state: RunState, statusState: RunStatus['state'] = state, checkpoint?: object) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-resume-check-'));
  if (checkpoint) {
    fs.mkdirSync(path.join(runDir, 'checkpoints', 'latest'), { recursive: true });
    fs.writeFileSync(path.join(runDir, 'checkpoints', 'latest', 'checkpoint.json'), JSON.stringify(checkpoint));
  }
  return { runDir, state, status: { schemaVersion: 1, state: statusState, createdAt: '' } as RunStatus };
}

const resumable = { step: 4, epoch: 1, time: '', resume: { stepInEpoch: 0 } };

describe('resumeRefusal (the Runs view checks before launching)', () => {
  it('accepts stopped, failed and interrupted runs with a resumable checkpoint', async () => {
    assert.equal(await resumeRefusal(run('stopped', 'stopped', resumable)), undefined);
    assert.equal(await resumeRefusal(run('failed', 'failed', resumable)), undefined);
    assert.equal(await resumeRefusal(run('interrupted', 'running', resumable)), undefined);
  });
  it('refuses running, queued and finished runs, runs that never started, and checkpoints without resume state', async () => {
    assert.match((await resumeRefusal(run('running', 'running', resumable)))!, /it is running; only stopped, failed, interrupted runs/);
    assert.match((await resumeRefusal(run('finished', 'finished', resumable)))!, /it is finished/);
    assert.match((await resumeRefusal(run('interrupted', 'queued')))!, /never started; use Rerun/);
    assert.match((await resumeRefusal(run('stopped')))!, /has no checkpoint yet/);
    assert.match((await resumeRefusal(run('failed', 'failed', { step: 4, epoch: 1, time: '' })))!, /holds only the weights/);
  });
});
