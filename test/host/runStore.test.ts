import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore, type RunStoreChange } from '../../src/host/runs/runStore';
import { ProcessProbe } from '../../src/host/runs/processProbe';
import { RunManager } from '../../src/host/runs/runManager';
import { serializeEvent } from '../../src/shared/eventLog';
import type { RunEvent, RunStatus } from '../../src/shared/protocol';
import { fakeTrainerPath, makeTempDir, removeDir, tinyConfig, waitFor } from './hostTestUtils';
import { readJson } from '../helpers/json';

const T = '2025-01-01T00:00:00.000Z';

function writeRun(root: string, id: string, status: Partial<RunStatus> | undefined, events: RunEvent[] = [], config: unknown = tinyConfig()): string {
  const dir = path.join(root, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  if (status) fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ schemaVersion: 1, createdAt: T, ...status }));
  if (events.length) fs.writeFileSync(path.join(dir, 'metrics.jsonl'), events.map(serializeEvent).join(''));
  return dir;
}

const step = (n: number, loss: number): RunEvent => ({ type: 'step', step: n, epoch: 0, time: T, loss, lr: 0.001, imagesPerSecond: 100 });
const knn = (n: number, accuracy: number): RunEvent => ({ type: 'knn', step: n, epoch: 0, time: T, accuracy, k: 200, t: 0.1 });

/** A pid that is certainly not alive: far above any pid_max in practice. */
const DEAD_PID = 2 ** 30;

describe('RunStore', () => {
  let root: string;
  before(() => {
    root = makeTempDir('store');
  });
  after(() => removeDir(root));

  it('lists runs from disk with their summary, newest first, ignoring folders that are not runs', async () => {
    const r = path.join(root, 'list');
    writeRun(r, '20250101-000000-dcl', { state: 'finished', createdAt: '2025-01-01T00:00:00.000Z', totalSteps: 4, step: 4 }, [step(1, 5), step(4, 4.5), knn(4, 0.8)]);
    writeRun(r, '20250102-000000-dclw', { state: 'stopped', createdAt: '2025-01-02T00:00:00.000Z' });
    fs.mkdirSync(path.join(r, 'not-a-run'));
    fs.mkdirSync(path.join(r, '.hidden'));
    const store = new RunStore({ roots: [r] });
    await store.refresh();
    const runs = store.list();
    assert.deepEqual(runs.map((x) => x.runId), ['20250102-000000-dclw', '20250101-000000-dcl']);
    const first = runs[1];
    assert.equal(first.state, 'finished');
    assert.equal(first.metrics.loss, 4.5);
    assert.equal(first.metrics.knnAccuracy, 0.8);
    assert.deepEqual(first.progress, { step: 4, totalSteps: 4, fraction: 1 });
    assert.equal(first.config?.encoder, 'mlp');
    assert.equal(path.isAbsolute(first.runDir), true);
  });

  it('survives a corrupt metrics.jsonl: skips and reports bad lines, holds back a torn last line', async () => {
    const r = path.join(root, 'corrupt');
    const dir = writeRun(r, 'run', { state: 'running', pid: DEAD_PID });
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, serializeEvent(step(1, 5)) + '{"type": "step", garbage\n' + 'not json at all\n' + serializeEvent(step(2, 4.9)) + '{"type":"step","st');
    const store = new RunStore({ roots: [r] });
    await store.refresh();
    let run = store.get(dir);
    assert.ok(run);
    assert.deepEqual(run.metrics.badLines, [2, 3]);
    assert.equal(run.metrics.eventCount, 2);
    assert.equal(run.metrics.loss, 4.9);
    // The torn line is completed by the writer: it is read on the next refresh, line numbers stay right.
    fs.appendFileSync(file, 'ep":3,"epoch":0,"time":"' + T + '","loss":4.8,"lr":0.001,"imagesPerSecond":1}\n' + '{bad}\n');
    await store.refresh();
    run = store.get(dir);
    assert.ok(run);
    assert.equal(run.metrics.loss, 4.8);
    assert.equal(run.metrics.eventCount, 3);
    assert.deepEqual(run.metrics.badLines, [2, 3, 6]);
  });

  it('reads metrics.jsonl incrementally and starts over when the file is replaced', async () => {
    const r = path.join(root, 'incremental');
    const dir = writeRun(r, 'run', { state: 'queued' }, [step(1, 5)]);
    const changes: RunStoreChange[] = [];
    const store = new RunStore({ roots: [r], isOwned: () => true });
    store.onDidChange((c) => changes.push(c));
    await store.refresh();
    assert.equal(changes.length, 1);
    await store.refresh();
    assert.equal(changes.length, 1, 'no change event when nothing changed');
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), serializeEvent(step(2, 4)));
    await store.refresh();
    assert.equal(changes.length, 2);
    assert.equal(store.get(dir)?.metrics.eventCount, 2);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), serializeEvent(step(1, 7)));
    await store.refresh();
    assert.equal(store.get(dir)?.metrics.eventCount, 1);
    assert.equal(store.get(dir)?.metrics.loss, 7);
  });

  it('shows a running run whose trainer is gone as interrupted, without rewriting its status', async () => {
    const r = path.join(root, 'interrupted');
    const dead = writeRun(r, 'dead', { state: 'running', pid: DEAD_PID });
    const noPid = writeRun(r, 'nopid', { state: 'running' });
    const alive = writeRun(r, 'alive', { state: 'running', pid: process.pid });
    const store = new RunStore({ roots: [r] });
    await store.refresh();
    assert.equal(store.get(dead)?.state, 'interrupted');
    assert.match(store.get(dead)?.stateNote ?? '', /process 1073741824\) is gone/);
    assert.equal(store.get(noPid)?.state, 'interrupted');
    // This test process is alive and started before status.json was written: it counts as the trainer.
    assert.equal(store.get(alive)?.state, 'running');
    assert.equal(readJson(path.join(dead, 'status.json')).state, 'running');
  });

  it('treats a live pid that started after the last status write as reused (interrupted)', async () => {
    const r = path.join(root, 'reused');
    const dir = writeRun(r, 'run', { state: 'running', pid: 4242 });
    const mtime = fs.statSync(path.join(dir, 'status.json')).mtimeMs;
    const probe = new ProcessProbe(() => true, async () => mtime + 60_000);
    const store = new RunStore({ roots: [r], probe });
    await store.refresh();
    assert.equal(store.get(dir)?.state, 'interrupted');
    const trusting = new RunStore({ roots: [r], probe: new ProcessProbe(() => true, async () => mtime - 1000) });
    await trusting.refresh();
    assert.equal(trusting.get(dir)?.state, 'running');
  });

  it('shows a stale queued run nobody owns as interrupted, a fresh one as queued', async () => {
    const r = path.join(root, 'queued');
    const old = writeRun(r, 'old', { state: 'queued', createdAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    const fresh = writeRun(r, 'fresh', { state: 'queued', createdAt: new Date().toISOString() });
    const store = new RunStore({ roots: [r] });
    await store.refresh();
    assert.equal(store.get(old)?.state, 'interrupted');
    assert.match(store.get(old)?.stateNote ?? '', /queue of a window that has closed/);
    assert.equal(store.get(fresh)?.state, 'queued');
    const owner = new RunStore({ roots: [r], isOwned: (d) => d === old });
    await owner.refresh();
    assert.equal(owner.get(old)?.state, 'queued');
  });

  it('lists runs with unreadable config or status instead of hiding them', async () => {
    const r = path.join(root, 'broken');
    const badConfig = writeRun(r, 'badconfig', { state: 'finished' }, [], 'not an object');
    const dir = path.join(r, 'badstatus');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(tinyConfig()));
    fs.writeFileSync(path.join(dir, 'status.json'), '{"state": "runn');
    const store = new RunStore({ roots: [r], staleQueuedMs: 0 });
    await store.refresh();
    assert.equal(store.get(badConfig)?.config, undefined);
    assert.match(store.get(badConfig)?.configProblem ?? '', /not a JSON object/);
    assert.equal(store.get(dir)?.state, 'interrupted');
    assert.match(store.get(dir)?.statusProblem ?? '', /not valid JSON/);
  });

  it('drops deleted runs, follows root changes, and a new store rebuilds the same list (window reload)', async () => {
    const r1 = path.join(root, 'roots1');
    const r2 = path.join(root, 'roots2');
    const a = writeRun(r1, 'a', { state: 'finished' }, [step(1, 3)]);
    const b = writeRun(r2, 'b', { state: 'failed', error: 'boom' });
    const store = new RunStore({ roots: [r1] });
    const removed: string[] = [];
    store.onDidChange((c) => removed.push(...c.removed));
    await store.refresh();
    assert.deepEqual(store.list().map((x) => x.runDir), [a]);
    await store.setRoots([r1, r2]);
    assert.equal(store.list().length, 2);
    const reloaded = new RunStore({ roots: [r1, r2] });
    await reloaded.refresh();
    assert.deepEqual(
      reloaded.list().map((x) => [x.runId, x.state, x.metrics.loss]),
      store.list().map((x) => [x.runId, x.state, x.metrics.loss]),
    );
    fs.rmSync(a, { recursive: true });
    await store.refresh();
    assert.deepEqual(removed, [a]);
    assert.deepEqual(store.list().map((x) => x.runDir), [b]);
  });

  it('publishes a scan when it ends: list() never shows one half done (the Runs view is built from it)', async () => {
    const r = path.join(root, 'atomic');
    const dirs = ['a', 'b', 'c', 'd'].map((id) => writeRun(r, id, { state: 'running', pid: DEAD_PID }));
    const store = new RunStore({ roots: [r] });
    await store.refresh();
    const states = () => [...new Set(store.list().map((x) => x.state))].join();
    assert.equal(states(), 'interrupted');
    for (const dir of dirs) fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ schemaVersion: 1, createdAt: T, state: 'finished' }));
    const seen = new Set<string>();
    let done = false;
    const scan = store.refresh().finally(() => (done = true));
    // Look between every file-system callback of the scan.
    while (!done) {
      seen.add(states());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await scan;
    seen.add(states());
    assert.deepEqual([...seen], ['interrupted', 'finished']);
  });

  it('coalesces concurrent refreshes and reports a missing root as empty, an unreadable one as a problem', async () => {
    const store = new RunStore({ roots: [path.join(root, 'does-not-exist')] });
    await Promise.all([store.refresh(), store.refresh(), store.refresh()]);
    assert.equal(store.list().length, 0);
    assert.deepEqual(store.rootProblems, []);
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    await store.setRoots([file]);
    assert.match(store.rootProblems[0] ?? '', /cannot read the runs folder/);
  });

  it('follows a live run of the manager from queued to finished', async () => {
    const r = path.join(root, 'live');
    const m = new RunManager({
      trainerPath: fakeTrainerPath(),
      execPath: () => process.execPath,
      maxConcurrent: () => 1,
      stopTimeoutMs: () => 5000,
      cwd: () => r,
      env: () => ({ ...process.env, FAKE_TRAINER_MODE: 'finish', FAKE_TRAINER_STEPS: '6', FAKE_TRAINER_STEP_MS: '30' }),
    });
    const store = new RunStore({ roots: [r], isOwned: m.isOwned });
    const seen = new Set<string>();
    store.onDidChange((c) => c.changed.forEach((s) => seen.add(s.state)));
    const runDir = await m.start(tinyConfig(), r);
    await waitFor('the run to finish in the store', async () => {
      await store.refresh();
      return store.get(runDir)?.state === 'finished';
    });
    const run = store.get(runDir);
    assert.ok(run);
    assert.ok(seen.has('running'), `states seen: ${[...seen].join(', ')}`);
    assert.equal(run.metrics.knnAccuracy, 0.5);
    assert.equal(run.status?.backend?.name, 'fake');
  });
});
