/**
 * The run manager and store against the real trainer (dist/trainer.js) on tiny synthetic runs: what the
 * fake trainer promises, the real one must do too. Needs `npm run build` first.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunManager, type RunManagerEvent } from '../../src/host/runs/runManager';
import { RunStore } from '../../src/host/runs/runStore';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunConfig, RunStatus } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';
import { makeTempDir, readJson, removeDir, tinyConfig, waitFor } from './hostTestUtils';

const TRAINER = path.join(repoRoot(), 'dist', 'trainer.js');
const skip = fs.existsSync(TRAINER) ? false : `${TRAINER} is not built: run "npm run build" first`;

type Ended = Extract<RunManagerEvent, { kind: 'ended' }>;

const tiny = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyConfig({ subset: 128, testSubset: 64, projection: [32, 16], batchSize: 32, epochs: 1, backend: 'wasm', logEvery: 1, knn: { k: 20, t: 0.1, everyEpochs: 1, everySteps: 0 }, ...overrides });

describe('RunManager with the real trainer', { skip, timeout: 240_000 }, () => {
  let root: string;
  let manager: RunManager;
  let store: RunStore;
  const events: RunManagerEvent[] = [];
  const output = new Map<string, string[]>();
  const ended = (runDir: string): Promise<Ended> =>
    waitFor(`the end of ${runDir}`, () => events.find((e): e is Ended => e.kind === 'ended' && e.runDir === runDir), 120_000);
  const status = (runDir: string): RunStatus => readJson<RunStatus>(path.join(runDir, 'status.json'));

  before(() => {
    root = makeTempDir('real');
    manager = new RunManager({
      trainerPath: TRAINER,
      execPath: () => process.execPath,
      maxConcurrent: () => 2,
      stopTimeoutMs: () => 60_000,
      cwd: () => root,
    });
    manager.onDidChange((e) => events.push(e));
    manager.onOutput((o) => output.set(o.runDir, [...(output.get(o.runDir) ?? []), `${o.stream}: ${o.line}`]));
    store = new RunStore({ roots: [root], isOwned: manager.isOwned });
  });
  after(async () => {
    await manager.dispose();
    removeDir(root);
  });

  it('trains a tiny synthetic run to the end and the store shows its results', async () => {
    const runDir = await manager.start(tiny({ name: 'tiny' }), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'finished', (end.exit?.stderrTail ?? []).join('\n'));
    assert.equal(end.exit?.code, 0);
    assert.equal(status(runDir).state, 'finished');
    await store.refresh();
    const run = store.get(runDir);
    assert.ok(run);
    assert.equal(run.state, 'finished');
    assert.equal(run.config?.name, 'tiny');
    assert.ok(Number.isFinite(run.metrics.loss), 'a loss was logged');
    assert.ok((run.metrics.knnAccuracy ?? -1) >= 0, 'a kNN accuracy was logged');
    assert.deepEqual(run.metrics.badLines, []);
    assert.ok(run.progress && run.progress.fraction === 1, JSON.stringify(run.progress));
    assert.ok(run.status?.backend?.name, 'the backend is recorded');
    // The trainer prints each log line and sends it over IPC: the log shows it once.
    const lines = output.get(runDir) ?? [];
    assert.equal(lines.filter((l) => /finished at step/.test(l)).length, 1, lines.join('\n'));
  });

  it('stops a real run: it checkpoints, records stopped, and keeps every step it logged', async () => {
    const runDir = await manager.start(tiny({ epochs: 200 }), root);
    await waitFor('a step event', () => {
      const file = path.join(runDir, 'metrics.jsonl');
      return fs.existsSync(file) && parseEventLines(fs.readFileSync(file, 'utf8')).events.some((e) => e.type === 'step');
    }, 120_000);
    await manager.stop(runDir);
    const s = status(runDir);
    assert.equal(s.state, 'stopped');
    assert.equal(s.error, undefined, 'stopped politely, not killed');
    const evs = parseEventLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')).events;
    assert.equal(evs.at(-1)?.type, 'stopped');
    const steps = evs.filter((e) => e.type === 'step').map((e) => e.step);
    assert.deepEqual(steps, steps.map((_, i) => i + 1));
    await store.refresh();
    assert.equal(store.get(runDir)?.state, 'stopped');
  });

  it('marks a real run killed from outside failed', async () => {
    const runDir = await manager.start(tiny({ epochs: 200 }), root);
    await waitFor('the trainer to run', () => fs.existsSync(path.join(runDir, 'status.json')) && status(runDir).state === 'running', 120_000);
    const pid = manager.pidOf(runDir);
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.equal(status(runDir).state, 'failed');
    assert.match(status(runDir).error ?? '', /SIGKILL/);
  });

  it("reports the trainer's own error when it fails (a missing data folder) with its stderr", async () => {
    const runDir = await manager.start(tiny({ dataset: 'cifar10', dataDir: path.join(root, 'no-such-data') }), root);
    const end = await ended(runDir);
    assert.equal(end.outcome.state, 'failed');
    assert.equal(end.exit?.code, 1);
    assert.match(end.outcome.error ?? '', /no-such-data/);
    assert.ok(end.exit?.stderrTail.some((l) => /no-such-data/.test(l)), (end.exit?.stderrTail ?? []).join('\n'));
    await store.refresh();
    assert.equal(store.get(runDir)?.state, 'failed');
  });
});
