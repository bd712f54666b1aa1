import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { MetricsReader } from '../../src/host/charts/metricsReader';
import { RunFeed, type FeedUpdate } from '../../src/host/charts/runFeed';
import { ThrottledBatcher, type Timers } from '../../src/host/charts/throttledBatcher';
import { serializeEvent } from '../../src/shared/eventLog';
import type { RunEvent, StepEvent } from '../../src/shared/protocol';
import { CHARTS_FIXTURE, fixtureConfig, fixtureEvents } from './fixtureRun';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-charts-feed-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => {
  const d = path.join(tmp, `run${dirCount++}`);
  fs.mkdirSync(d);
  return d;
};

const step = (n: number, extra: Partial<StepEvent> = {}): RunEvent => ({ type: 'step', step: n, epoch: 0, time: '2026-01-01T00:00:00.000Z', loss: 1 / n, lr: 0.1, imagesPerSecond: 100, ...extra });

test('reads only what was appended, and holds back a torn last line until it is complete', async () => {
  const file = path.join(freshDir(), 'metrics.jsonl');
  const reader = new MetricsReader(file);
  assert.equal((await reader.readNew()).bytes, 0, 'a missing file reads as nothing');
  fs.writeFileSync(file, serializeEvent(step(1)) + serializeEvent(step(2)));
  let r = await reader.readNew();
  assert.deepEqual([...r.batch.steps.step], [1, 2]);
  const third = serializeEvent(step(3));
  fs.appendFileSync(file, third.slice(0, 20));
  r = await reader.readNew();
  assert.equal(r.batch.steps.step.length, 0, 'torn line not reported');
  fs.appendFileSync(file, third.slice(20));
  r = await reader.readNew();
  assert.deepEqual([...r.batch.steps.step], [3]);
  assert.equal(reader.consumedBytes, fs.statSync(file).size);
});

test('small chunks and multi-byte characters split across them read the same as one big read', async () => {
  const file = path.join(freshDir(), 'metrics.jsonl');
  const events: RunEvent[] = [
    { type: 'started', step: 0, epoch: 0, time: '2026-01-01T00:00:00.000Z', schemaVersion: 1, config: { ...fixtureConfig(CHARTS_FIXTURE), name: 'τ-σ ünïcode run ✓' }, backend: { name: 'cpu', tfjsVersion: 'x', details: ['ü'] }, totalSteps: 3, trainSize: 1, testSize: 1 },
    step(1),
    step(2),
  ];
  fs.writeFileSync(file, events.map(serializeEvent).join('') + 'not json\n');
  const small = await new MetricsReader(file, 7).readNew();
  const big = await new MetricsReader(file).readNew();
  assert.deepEqual(small.batch, big.batch);
  assert.equal(small.batch.badLines, 1);
  assert.equal((small.batch.lifecycle[0] as { config: { name: string } }).config.name, 'τ-σ ünïcode run ✓');
});

test('a truncated or replaced log restarts from the beginning as a new history', async () => {
  const file = path.join(freshDir(), 'metrics.jsonl');
  fs.writeFileSync(file, [1, 2, 3].map((n) => serializeEvent(step(n))).join(''));
  const reader = new MetricsReader(file);
  await reader.readNew();
  fs.writeFileSync(file, serializeEvent(step(9)));
  const r = await reader.readNew();
  assert.ok(r.reset);
  assert.deepEqual([...r.batch.steps.step], [9]);
});

function fakeTimers() {
  let now = 0;
  const queue: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      queue.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      const i = queue.findIndex((q) => q.id === id);
      if (i >= 0) queue.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue[0];
      if (!next || next.at > end) break;
      queue.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { timers, advance };
}

test('the batcher delivers at most once per interval and loses nothing', () => {
  const { timers, advance } = fakeTimers();
  const deliveries: { at: number; items: number[] }[] = [];
  const b = new ThrottledBatcher<number>((items) => deliveries.push({ at: timers.now(), items }), 100, timers);
  b.push(1);
  b.push(2);
  advance(0);
  assert.deepEqual(deliveries, [{ at: 0, items: [1, 2] }], 'after a quiet period, same-tick pushes go out together at once');
  for (let t = 1; t <= 250; t += 10) {
    advance(10);
    b.push(t);
  }
  advance(200);
  const times = deliveries.map((d) => d.at);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 100, `deliveries ${times[i - 1]} and ${times[i]} too close`);
  assert.deepEqual(deliveries.flatMap((d) => d.items), [1, 2, ...Array.from({ length: 25 }, (_, i) => 1 + i * 10)]);
  b.push(999);
  b.dispose();
  advance(500);
  assert.ok(!deliveries.some((d) => d.items.includes(999)), 'nothing after dispose');
});

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const useWatch of [false, true]) {
  test(`a run feed sends status and the whole history once, then only appended events (${useWatch ? 'fs.watch' : 'polling only'})`, async () => {
    const dir = freshDir();
    const events = fixtureEvents(CHARTS_FIXTURE);
    const metrics = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(metrics, events.slice(0, 200).map(serializeEvent).join(''));
    fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ schemaVersion: 1, state: 'running', createdAt: 'x' }));
    const updates: FeedUpdate[] = [];
    const feed = new RunFeed(dir, (u) => updates.push(u), { useWatch, pollMs: useWatch ? 60_000 : 25, batchMs: 30 });
    try {
      await feed.start();
      assert.deepEqual(updates.map((u) => u.kind), ['status', 'history']);
      const history = updates[1];
      assert.ok(history.kind === 'history');
      const historySteps = history.batch.steps.step.length;
      assert.equal(historySteps, events.slice(0, 200).filter((e) => e.type === 'step').length);

      for (let i = 200; i < events.length; i += 25) fs.appendFileSync(metrics, events.slice(i, i + 25).map(serializeEvent).join(''));
      fs.writeFileSync(path.join(dir, 'status.json.tmp'), JSON.stringify({ schemaVersion: 1, state: 'finished', createdAt: 'x' }));
      fs.renameSync(path.join(dir, 'status.json.tmp'), path.join(dir, 'status.json'));
      const totalSteps = events.filter((e) => e.type === 'step').length;
      const appended = () => updates.flatMap((u) => (u.kind === 'append' ? [...u.batch.steps.step] : []));
      await until(() => appended().length === totalSteps - historySteps && updates.some((u) => u.kind === 'status' && u.status.state === 'finished'), 'the appended events and the new status');
      assert.deepEqual(appended(), events.filter((e): e is StepEvent => e.type === 'step').slice(historySteps).map((e) => e.step));
      assert.ok(!updates.slice(2).some((u) => u.kind === 'history'), 'no second history');
    } finally {
      feed.dispose();
    }
    const seen = updates.length;
    fs.appendFileSync(metrics, serializeEvent(step(9999)));
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(updates.length, seen, 'a disposed feed stays silent');
  });
}
