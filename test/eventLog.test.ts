import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventLines, serializeEvent } from '../src/shared/eventLog';
import type { RunEvent } from '../src/shared/protocol';

const step = (s: number): RunEvent => ({ type: 'step', step: s, epoch: 0, time: '2026-01-01T00:00:00.000Z', loss: 1 / (s + 1), lr: 0.1, imagesPerSecond: 100 });

describe('metrics.jsonl parsing', () => {
  it('round-trips events and leaves a torn last line for the next read', () => {
    const full = serializeEvent(step(1)) + serializeEvent(step(2));
    const torn = full + serializeEvent(step(3)).slice(0, 20);
    const first = parseEventLines(torn);
    assert.equal(first.events.length, 2);
    assert.deepEqual(first.badLines, []);
    assert.equal(first.consumed, Buffer.byteLength(full));
    const rest = torn.slice(first.consumed) + serializeEvent(step(3)).slice(20);
    const second = parseEventLines(rest);
    assert.equal(second.events.length, 1);
    assert.equal(second.events[0].step, 3);
  });

  it('skips and reports corrupt lines in the middle', () => {
    const text = serializeEvent(step(1)) + '{"garbage\n' + '{"type":"step"}\n' + serializeEvent(step(4));
    const r = parseEventLines(text);
    assert.deepEqual(r.events.map((e) => e.step), [1, 4]);
    assert.deepEqual(r.badLines, [2, 3]);
  });

  it('counts bytes, not characters, so offsets stay right with non-ASCII text', () => {
    const e: RunEvent = { type: 'failed', step: 0, epoch: 0, time: 't', reason: 'τ ≤ 0 — bad' };
    const r = parseEventLines(serializeEvent(e));
    assert.equal(r.consumed, Buffer.byteLength(serializeEvent(e)));
  });
});
