import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NPC_PERCENTILES, type RunEvent } from '../../src/shared/protocol';
import { summarizeNpc } from '../../src/shared/stats';
import { EVENT_FILE_PREFIX, TensorBoardEventFile } from '../../src/trainer/tensorboard/eventFile';
import { maskedCrc32c } from '../../src/trainer/tensorboard/recordFraming';
import { runTraining } from '../../src/trainer/train';
import { makeRunDir, tempDir, tinyConfig } from '../helpers/runs';
import { crc32cReference, readEventFile, readRecords } from '../helpers/tfRecordReader';

const time = '2026-03-01T12:00:00.000Z';
const q = Float32Array.from({ length: 64 }, (_, i) => 0.3 + 0.6 * Math.abs(Math.sin(i)));
const npc = summarizeNpc(q, NPC_PERCENTILES);
const events: RunEvent[] = [
  { type: 'knn', step: 0, epoch: 0, time, accuracy: 0.25, k: 20, t: 0.1 },
  { type: 'step', step: 5, epoch: 0, time, loss: 4.5, lr: 0.001, imagesPerSecond: 1234.5 },
  { type: 'npc', step: 5, epoch: 0, time, summary: npc },
  { type: 'checkpoint', step: 5, epoch: 1, time, path: 'checkpoints/e0001' },
];
const eventFilesIn = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith(EVENT_FILE_PREFIX)).sort();

describe('TensorBoard event files', () => {
  it('uses the standard CRC-32C (check value of "123456789" is 0xE3069283)', () => {
    assert.equal(crc32cReference(Buffer.from('123456789')), 0xe3069283);
    // TensorFlow's masked CRC of the empty string, as its crc32c_test.cc computes it: Mask(0).
    assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
  });

  it('writes framed records that an independent reader decodes as Event / Summary with the right tags and values', () => {
    const dir = tempDir();
    const tb = new TensorBoardEventFile(dir, new Date(time));
    for (const e of events) tb.write(e);
    tb.close();
    const [name] = eventFilesIn(dir);
    assert.match(name, /^events\.out\.tfevents\.\d+\.[^/]+$/);
    assert.equal(name.split('.')[3], String(Date.parse(time) / 1000));
    const decoded = readEventFile(path.join(dir, name));
    assert.equal(decoded[0].file_version, 'brain.Event:2');
    assert.equal(decoded.length, 4, 'the version record and one per event with numbers (none for checkpoint)');
    const knn = decoded[1];
    assert.equal(knn.step ?? 0, 0, 'proto3 leaves a zero step out');
    assert.equal(knn.wall_time, Date.parse(time) / 1000);
    assert.deepEqual(knn.summary?.value.map((v) => [v.tag, v.simple_value]), [['eval/knn_accuracy', Math.fround(0.25)]]);
    const step = decoded[2];
    assert.equal(step.step, 5);
    assert.deepEqual(step.summary?.value.map((v) => [v.tag, v.simple_value]), [
      ['train/loss', 4.5],
      ['train/lr', Math.fround(0.001)],
      ['train/images_per_second', 1234.5],
    ]);
    const values = decoded[3].summary!.value;
    assert.deepEqual(values.map((v) => v.tag), ['npc/mean', 'npc/cv', 'npc/multiplier']);
    assert.equal(values[0].simple_value, Math.fround(npc.mean));
    assert.equal(values[1].simple_value, Math.fround(npc.cv));
    const h = values[2].histo!;
    assert.equal(h.num, 64);
    assert.equal(h.bucket.length, 50);
    assert.equal(h.bucket.reduce((a, b) => a + b, 0), 64);
    assert.deepEqual(h.bucket, npc.histogram);
    assert.equal(h.bucket_limit.at(-1), 1);
    assert.ok(Math.abs(h.bucket_limit[0] - 0.02) < 1e-12);
    let sum = 0;
    let sumSquares = 0;
    for (const x of q) {
      sum += x;
      sumSquares += x * x;
    }
    assert.ok(Math.abs(h.sum - sum) < 1e-9 && Math.abs(h.sum_squares - sumSquares) < 1e-9);
    assert.equal(h.min, Math.min(...q));
    assert.equal(h.max, Math.max(...q));
  });

  it('cuts a torn last record back to the whole ones when the folder is opened again, and starts a new file', () => {
    const dir = tempDir();
    const first = new TensorBoardEventFile(dir, new Date(time));
    for (const e of events) first.write(e);
    first.close();
    const [name] = eventFilesIn(dir);
    const file = path.join(dir, name);
    const whole = fs.readFileSync(file);
    // A crash in the middle of writing a record: its header and half its data.
    const records = readRecords(whole);
    fs.appendFileSync(file, whole.subarray(whole.length - (records.at(-1)!.length + 16), whole.length - 10));
    assert.throws(() => readEventFile(file), /truncated record/);

    const second = new TensorBoardEventFile(dir, new Date(time));
    second.write(events[1]);
    second.close();
    assert.deepEqual(fs.readFileSync(file), whole, 'the torn tail is gone, every whole record kept');
    const names = eventFilesIn(dir);
    assert.equal(names.length, 2, 'a second file, even within the same second');
    assert.equal(readEventFile(path.join(dir, names[1])).length, 2);
  });

  it('is written by a real training run beside metrics.jsonl', async () => {
    const dir = makeRunDir(tinyConfig({ epochs: 1, subset: 64 }));
    const result = await runTraining(dir);
    assert.equal(result.state, 'finished', result.error);
    const [name] = eventFilesIn(dir);
    const decoded = readEventFile(path.join(dir, name));
    const tags = new Set(decoded.flatMap((e) => e.summary?.value.map((v) => v.tag) ?? []));
    for (const tag of ['train/loss', 'train/lr', 'train/images_per_second', 'npc/mean', 'npc/cv', 'npc/multiplier', 'eval/knn_accuracy']) {
      assert.ok(tags.has(tag), `${tag} is written`);
    }
    const losses = decoded.filter((e) => e.summary?.value.some((v) => v.tag === 'train/loss')).map((e) => e.step);
    assert.deepEqual(losses, [1, 2], '64 images at batch 32, logged every step');
  });
});
