import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseEventLines } from '../../src/shared/eventLog';
import { RUN_FILES } from '../../src/shared/protocol';
import { fixture } from '../helpers/paths';
import { CHARTS_FIXTURE, fixtureFiles, writeFixtureRun } from './fixtureRun';

const dir = fixture('charts-run');

test('the committed charts fixture run is what the generator makes (UPDATE_CHARTS_FIXTURE=1 rewrites it)', () => {
  if (process.env.UPDATE_CHARTS_FIXTURE === '1') writeFixtureRun(dir, CHARTS_FIXTURE);
  const expected = fixtureFiles(CHARTS_FIXTURE);
  assert.equal(fs.readFileSync(path.join(dir, RUN_FILES.config), 'utf8'), expected.config);
  assert.equal(fs.readFileSync(path.join(dir, RUN_FILES.status), 'utf8'), expected.status);
  assert.equal(fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8'), expected.metrics);
});

test('the fixture run looks like a real one: hundreds of steps, npc summaries, kNN from epoch 0 to the end', () => {
  const { events, badLines } = parseEventLines(fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8'));
  assert.deepEqual(badLines, []);
  const count = (type: string) => events.filter((e) => e.type === type).length;
  assert.equal(count('started'), 1);
  assert.ok(count('step') >= 300, `${count('step')} steps`);
  assert.ok(count('npc') >= 30);
  const knnEpochs = events.flatMap((e) => (e.type === 'knn' ? [e.epoch] : []));
  assert.deepEqual(knnEpochs, Array.from({ length: CHARTS_FIXTURE.epochs + 1 }, (_, i) => i));
  assert.equal(events[events.length - 1].type, 'finished');
});
