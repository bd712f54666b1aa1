import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildToHost } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';
import { makeRunDir, readEvents, readStatus, tinyConfig, waitFor } from '../helpers/runs';

const TRAINER = path.join(repoRoot(), 'dist', 'trainer.js');

function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('the trainer child process', () => {
  it('rings the IPC doorbell once per event, after the event is in metrics.jsonl; logs go to stdout; exits 0 when finished', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1 }));
    const child = fork(TRAINER, ['--run-dir', dir], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const messages: ChildToHost[] = [];
    // Events on disk when each doorbell arrives: the file must already hold the event it announces.
    const onDisk: number[] = [];
    child.on('message', (m: ChildToHost) => {
      messages.push(m);
      onDisk.push(readEvents(dir).length);
    });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const { code } = await exitOf(child);
    assert.equal(code, 0);
    const events = readEvents(dir);
    assert.deepEqual(messages, events.map(() => ({ type: 'flushed' })));
    onDisk.forEach((n, i) => assert.ok(n >= i + 1, `doorbell ${i + 1} arrived with ${n} events on disk`));
    assert.match(stdout, /finished at step/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} finishes the current step, checkpoints, writes status stopped and exits 0`, async () => {
      const dir = makeRunDir(tinyConfig({ epochs: 50 }));
      const child = spawn(process.execPath, [TRAINER, '--run-dir', dir], { stdio: 'ignore' });
      const exited = exitOf(child);
      await waitFor(() => readEvents(dir).some((e) => e.type === 'step'), 60_000, 'the first step event');
      child.kill(signal);
      const { code } = await exited;
      assert.equal(code, 0);
      const events = readEvents(dir);
      assert.equal(events.at(-1)!.type, 'stopped');
      assert.ok(events.some((e) => e.type === 'checkpoint'));
      const status = readStatus(dir);
      assert.equal(status.state, 'stopped');
      assert.ok(status.endedAt);
      assert.ok(fs.existsSync(path.join(dir, 'checkpoints', 'latest', 'encoder', 'weights.bin')));
      // Nothing written before the stop is lost: step events run 1, 2, … without a gap.
      const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
      assert.deepEqual(steps, steps.map((_, i) => i + 1));
    });
  }

  it('stops on the IPC message {type: "stop"}', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 50 }));
    const child = fork(TRAINER, ['--run-dir', dir], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const exited = exitOf(child);
    await new Promise<void>((resolve) => child.on('message', () => readEvents(dir).some((e) => e.type === 'step') && resolve()));
    child.send({ type: 'stop' });
    assert.equal((await exited).code, 0);
    assert.equal(readStatus(dir).state, 'stopped');
  });

  it('a failed run exits 1 with the reason on stderr; a missing --run-dir exits 2 with usage', async () => {
    const dir = makeRunDir(tinyConfig());
    const child = spawn(process.execPath, [TRAINER, '--run-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DCL_INJECT_NONFINITE_AT_STEP: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    assert.equal((await exitOf(child)).code, 1);
    assert.match(stderr, /non-finite loss at step 1/);
    assert.equal(readStatus(dir).state, 'failed');

    const bare = spawn(process.execPath, [TRAINER], { stdio: ['ignore', 'ignore', 'pipe'] });
    let usage = '';
    bare.stderr.on('data', (d) => (usage += d));
    assert.equal((await exitOf(bare)).code, 2);
    assert.match(usage, /usage: node dist\/trainer.js --run-dir DIR/);
  });
});
