import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventLogReader } from '../../src/host/runs/eventLogReader';

const event = (step: number) => JSON.stringify({ type: 'step', step, epoch: 0, time: 't', loss: 1 }) + '\n';

describe('EventLogReader (the one incremental metrics.jsonl reader)', () => {
  it('reads only what was appended, holds back a torn line, and numbers bad lines in the whole file', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-log-')), 'metrics.jsonl');
    const reader = new EventLogReader(file, 16); // chunks shorter than a line exercise the growing read
    const first = await reader.readNew();
    assert.equal(first.missing, true);
    assert.equal(first.reset, false);

    fs.writeFileSync(file, event(1) + 'not json\n' + event(2) + '{"type":"st');
    const a = await reader.readNew();
    assert.deepEqual(a.events.map((e) => e.step), [1, 2]);
    assert.deepEqual(a.badLines, [2]);
    assert.equal(reader.consumedBytes, fs.statSync(file).size - '{"type":"st'.length);

    fs.appendFileSync(file, 'ep"}\n' + event(3) + '{oops}\n');
    const b = await reader.readNew();
    assert.deepEqual(b.events.map((e) => e.step), [3], 'the finished torn line is not an event, the next one is');
    assert.deepEqual(b.badLines, [4, 6], 'line numbers count the lines of earlier reads');
    assert.equal((await reader.readNew()).bytes, 0);

    fs.writeFileSync(file, event(7));
    const c = await reader.readNew();
    assert.equal(c.reset, true, 'a shorter file starts the history over');
    assert.deepEqual(c.events.map((e) => e.step), [7]);

    fs.rmSync(file);
    const d = await reader.readNew();
    assert.deepEqual([d.reset, d.missing], [true, true], 'a file that went away resets');
    fs.writeFileSync(file, event(8));
    assert.deepEqual((await reader.readNew()).events.map((e) => e.step), [8]);
  });
});
