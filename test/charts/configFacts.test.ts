import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configFacts } from '../../webview/charts/data/configFacts';
import type { RunConfig } from '../../src/shared/protocol';
import { CHARTS_FIXTURE, fixtureConfig } from './fixtureRun';

test("the charts header states the run's settings: one epoch in the singular, an image folder's size, linear evaluation", () => {
  const base = fixtureConfig(CHARTS_FIXTURE);
  assert.ok(configFacts({ ...base, epochs: 3 }).includes('3 epochs'));
  assert.ok(configFacts({ ...base, epochs: 1 }).includes('1 epoch'));
  const folder: RunConfig = { ...base, dataset: 'imagefolder', dataDir: '/data/flowers', imageSize: 64, eval: { linear: true } };
  const facts = configFacts(folder);
  assert.ok(facts.includes('dataset imagefolder at 64×64'), facts.join(' | '));
  assert.ok(facts.includes('linear evaluation at the end'));
  assert.ok(!configFacts(base).includes('linear evaluation at the end'));
  // A config.json written before eval existed still reads.
  const old = { ...base } as Partial<RunConfig>;
  delete old.eval;
  assert.ok(!configFacts(old as RunConfig).includes('linear evaluation at the end'));
});
