import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunManager, type RunManagerEvent } from '../../src/host/runs/runManager';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunStatus } from '../../src/shared/protocol';
import { fakeTrainerPath, makeTempDir, readJson, removeDir, tinyConfig, waitFor } from './hostTestUtils';

type Ended = Extract<RunManagerEvent, { kind: 'ended' }>;

function manager(root: string, env: Record<string, string>, opts: { maxConcurrent?: number; stopTimeoutMs?: number; trainerPath?: string; execPath?: string } = {}) {
  const events: RunManagerEvent[] = [];
  const output: string[] = [];
  const m = new RunManager({
    trainerPath: opts.trainerPath ?? fakeTrainerPath(),
    execPath: () => opts.execPath ?? process.execPath,
    maxConcurrent: () => opts.maxConcurrent ?? 4,
    stopTimeoutMs: () => opts.stopTimeoutMs ?? 5000,
    cwd: () => root,
    env: () => ({ ...process.env, ...env }),
  });
  m.onDidChange((e) => events.push(e));
  m.onOutput((o) => output.push(`${o.stream}: ${o.line}`));
  const ended = (runDir: string): Promise<Ended> =>
    waitFor(`the end of ${runDir}`, () => events.find((e): e is Ended => e.kind === 'ended' && e.runDir === runDir), 15_000);
  return { m, events, output, ended };
}

const status = (runDir: string): RunStatus => readJson<RunStatus>(path.join(runDir, 'status.json'));

describe('RunManager with the fake trainer', () => {
  let root: string;
  before(() => {
    root = makeTempDir('manager');
  });
  after(() => removeDir(root));

  it('creates the run folder with config.json and a queued status before launching', async () => {
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'finish', FAKE_TRAINER_STEPS: '3' }, { maxConcurrent: 1 });
    // Hold the only slot with a first run so the second stays queued and can be inspected.
    const first = await m.start(tinyConfig({ name: 'first' }), root);
    const second = await m.start(tinyConfig({ name: 'second' }), root);
    assert.deepEqual(readJson(path.join(second, 'config.json')), tinyConfig({ name: 'second' }));
    assert.equal(status(second).state, 'queued');
    assert.match(path.basename(second), /^\d{8}-\d{6}-dcl-b16(-\d+)?$/);
    assert.notEqual(first, second);
    await ended(first);
    await ended(second);
  });

  it('runs a trainer to the end: status finished, events in metrics.jsonl, IPC log lines forwarded', async () => {
    const { m, ended, output } = manager(root, { FAKE_TRAINER_MODE: 'finish', FAKE_TRAINER_STEPS: '4' });
    const runDir = await m.start(tinyConfig(), root);
    assert.equal(m.isOwned(runDir), true);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'finished');
    assert.equal(end.exit?.code, 0);
    assert.equal(status(runDir).state, 'finished');
    const parsed = parseEventLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'));
    assert.deepEqual(parsed.events.map((e) => e.type), ['started', 'step', 'step', 'step', 'step', 'knn', 'finished']);
    assert.ok(output.some((l) => l.startsWith('stdout: fakeTrainer: started')), output.join('\n'));
    assert.equal(m.isOwned(runDir), false);
  });

  it('stops a running trainer: it writes stopped, exits 0, and keeps what it wrote', async () => {
    const { m } = manager(root, { FAKE_TRAINER_MODE: 'forever', FAKE_TRAINER_STEP_MS: '10' });
    const runDir = await m.start(tinyConfig(), root);
    await waitFor('a few steps', () => fs.existsSync(path.join(runDir, 'metrics.jsonl')) && fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length > 4);
    assert.equal(await m.stop(runDir), true);
    const s = status(runDir);
    assert.equal(s.state, 'stopped');
    assert.equal(s.error, undefined);
    const events = parseEventLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).events;
    assert.equal(events.at(-1)?.type, 'stopped');
    assert.ok(events.filter((e) => e.type === 'step').length >= 3);
  });

  it('resumes a stopped run in the same folder: the trainer gets --resume and continues the event stream', async () => {
    const first = manager(root, { FAKE_TRAINER_MODE: 'forever', FAKE_TRAINER_STEP_MS: '10' });
    const runDir = await first.m.start(tinyConfig(), root);
    await waitFor('a few steps', () => fs.existsSync(path.join(runDir, 'metrics.jsonl')) && fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length > 4);
    await first.m.stop(runDir);
    const stoppedAt = status(runDir).step!;
    const { m, ended, output } = manager(root, { FAKE_TRAINER_MODE: 'finish', FAKE_TRAINER_STEPS: String(stoppedAt + 2) });
    m.resume(runDir);
    assert.equal(m.isOwned(runDir), true);
    assert.throws(() => m.resume(runDir), /already queued or running/);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'finished');
    assert.ok(output.some((l) => l.includes('fakeTrainer: resumed')), output.join('\n'));
    const types = parseEventLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).events.map((e) => `${e.type}@${e.step}`);
    assert.deepEqual(types.slice(types.indexOf(`stopped@${stoppedAt}`)), [`stopped@${stoppedAt}`, `resumed@${stoppedAt}`, `step@${stoppedAt + 1}`, `step@${stoppedAt + 2}`, `knn@${stoppedAt + 2}`, `finished@${stoppedAt + 2}`]);
    assert.equal(status(runDir).state, 'finished');
  });

  it('a resume the trainer refuses leaves the run as it was and reports the reason', async () => {
    const first = manager(root, { FAKE_TRAINER_MODE: 'forever', FAKE_TRAINER_STEP_MS: '10' });
    const runDir = await first.m.start(tinyConfig(), root);
    await waitFor('a step', () => fs.existsSync(path.join(runDir, 'metrics.jsonl')) && fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').length > 2);
    await first.m.stop(runDir);
    const before = ['status.json', 'metrics.jsonl'].map((f) => fs.readFileSync(path.join(runDir, f), 'utf8'));
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'refuse-resume' });
    m.resume(runDir);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'stopped');
    assert.match(end.outcome.error ?? '', /^cannot resume: .* has no checkpoint/);
    assert.deepEqual(['status.json', 'metrics.jsonl'].map((f) => fs.readFileSync(path.join(runDir, f), 'utf8')), before);
  });

  it('kills a trainer that ignores the stop request after the timeout, and marks it stopped', async () => {
    const { m, events } = manager(root, { FAKE_TRAINER_MODE: 'ignore-stop' }, { stopTimeoutMs: 300 });
    const runDir = await m.start(tinyConfig(), root);
    await waitFor('the trainer to run', () => status(runDir).state === 'running');
    const t0 = Date.now();
    await m.stop(runDir);
    assert.ok(Date.now() - t0 >= 250, 'the kill waits for the timeout');
    const s = status(runDir);
    assert.equal(s.state, 'stopped');
    assert.match(s.error ?? '', /did not stop in time and was killed/);
    const end = events.find((e): e is Ended => e.kind === 'ended' && e.runDir === runDir);
    assert.equal(end?.exit?.signal, 'SIGKILL');
    assert.equal(end?.exit?.killedAfterTimeout, true);
  });

  it('marks a crashed trainer failed with its exit code and keeps the last stderr lines', async () => {
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'crash' });
    const runDir = await m.start(tinyConfig(), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.equal(end.exit?.code, 3);
    assert.deepEqual(end.exit?.stderrTail, ['Error: simulated crash in the fake trainer', '    at tick (fakeTrainer.js)']);
    const s = status(runDir);
    assert.equal(s.state, 'failed');
    assert.match(s.error ?? '', /exited with code 3/);
    assert.equal(s.backend?.name, 'fake', 'what the trainer wrote before the crash is kept');
  });

  it('marks a trainer killed from outside (SIGKILL, as by the out-of-memory killer) failed', async () => {
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'forever' });
    const runDir = await m.start(tinyConfig(), root);
    const pid = await waitFor('the pid', () => m.pidOf(runDir));
    await waitFor('the trainer to run', () => status(runDir).state === 'running');
    process.kill(pid, 'SIGKILL');
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.match(end.outcome.error ?? '', /killed \(SIGKILL\).*memory/);
    assert.equal(status(runDir).state, 'failed');
  });

  it("keeps the trainer's own failure message when it reports failed", async () => {
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'fail' });
    const runDir = await m.start(tinyConfig(), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.equal(end.outcome.error, 'simulated failure');
    assert.equal(end.outcome.write, undefined, 'the trainer wrote its own final status');
    assert.equal(status(runDir).error, 'simulated failure');
  });

  it('marks a trainer that exits 0 without a final status failed', async () => {
    const { m, ended } = manager(root, { FAKE_TRAINER_MODE: 'exit-silently', FAKE_TRAINER_STEPS: '2' });
    const runDir = await m.start(tinyConfig(), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.match(status(runDir).error ?? '', /without writing a final status/);
  });

  it('fails with a clear message when the trainer script is missing', async () => {
    const { m, ended } = manager(root, {}, { trainerPath: path.join(root, 'no-such-trainer.js') });
    const runDir = await m.start(tinyConfig(), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.match(status(runDir).error ?? '', /no-such-trainer\.js is missing: build the extension/);
  });

  it('fails with a clear message when the Node.js executable does not exist', async () => {
    const { m, ended } = manager(root, {}, { execPath: path.join(root, 'no-such-node') });
    const runDir = await m.start(tinyConfig(), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.match(status(runDir).error ?? '', /no-such-node does not exist\. Set "dclExplorer\.nodePath"/);
  });

  it('runs at most maxConcurrent trainers and starts queued runs as slots free up', async () => {
    const { m, events, ended } = manager(root, { FAKE_TRAINER_MODE: 'finish', FAKE_TRAINER_STEPS: '3' }, { maxConcurrent: 2 });
    let maxActive = 0;
    m.onDidChange(() => (maxActive = Math.max(maxActive, m.activeRuns().length)));
    const dirs = [];
    for (let i = 0; i < 5; i++) dirs.push(await m.start(tinyConfig({ name: `q${i}` }), root));
    assert.equal(m.activeRuns().length, 2);
    assert.equal(m.queuedRuns().length, 3);
    for (const d of dirs) assert.equal((await ended(d)).outcome.state, 'finished');
    assert.equal(maxActive, 2);
    // Launch order follows queue order.
    const launched = events.filter((e) => e.kind === 'launched').map((e) => e.runDir);
    assert.deepEqual(launched, dirs);
  });

  it('stops a queued run without ever launching it', async () => {
    const { m, events, ended } = manager(root, { FAKE_TRAINER_MODE: 'forever' }, { maxConcurrent: 1 });
    const running = await m.start(tinyConfig(), root);
    const queued = await m.start(tinyConfig(), root);
    assert.equal(await m.stop(queued), true);
    const s = status(queued);
    assert.equal(s.state, 'stopped');
    assert.match(s.error ?? '', /never started/);
    assert.ok(!events.some((e) => e.kind === 'launched' && e.runDir === queued));
    await m.stop(running);
    await ended(running);
    assert.equal(await m.stop(queued), false, 'no longer ours to stop');
  });

  it('stops every active run on dispose', async () => {
    const { m } = manager(root, { FAKE_TRAINER_MODE: 'forever' });
    const a = await m.start(tinyConfig(), root);
    const b = await m.start(tinyConfig(), root);
    await waitFor('both running', () => status(a).state === 'running' && status(b).state === 'running');
    await m.dispose();
    assert.equal(status(a).state, 'stopped');
    assert.equal(status(b).state, 'stopped');
    await assert.rejects(m.start(tinyConfig(), root), /shut down/);
  });
});
