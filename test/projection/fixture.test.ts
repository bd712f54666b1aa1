import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProjection } from '../../src/trainer/embeddings/cache';
import { listEmbeddings } from '../../src/trainer/embeddings/format';
import { FIXTURE_EPOCHS, FIXTURE_ROOT, FIXTURE_RUNS, fixtureProjection, generateProjectionFixture } from './fixture';
import { tempDir } from './helpers';

function sizeOf(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((s, d) => s + (d.isDirectory() ? sizeOf(path.join(dir, d.name)) : fs.statSync(path.join(dir, d.name)).size), 0);
}

describe('the recorded projection fixture', () => {
  if (process.env.UPDATE_PROJECTION_FIXTURE === '1') generateProjectionFixture(FIXTURE_ROOT);

  it('is what its generator writes (data byte for byte, projections to 1e-5) and stays under 1 MB', () => {
    const { dir, cleanup } = tempDir();
    try {
      generateProjectionFixture(dir);
      for (const run of FIXTURE_RUNS) {
        const committed = path.join(FIXTURE_ROOT, run);
        const fresh = path.join(dir, run);
        for (const name of fs.readdirSync(path.join(fresh, 'embeddings')).filter((f) => /^(e\d+|sample-images)/.test(f))) {
          assert.ok(
            fs.readFileSync(path.join(committed, 'embeddings', name)).equals(fs.readFileSync(path.join(fresh, 'embeddings', name))),
            `${run}/embeddings/${name} differs from the generator's output; regenerate the fixture`,
          );
        }
        assert.deepEqual(listEmbeddings(committed).map((e) => e.epoch), [...FIXTURE_EPOCHS]);
        for (const epoch of FIXTURE_EPOCHS) {
          const a = readProjection(fixtureProjection(committed, epoch)).coords;
          const b = readProjection(fixtureProjection(fresh, epoch)).coords;
          assert.equal(a.length, b.length);
          for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${run} epoch ${epoch} coordinate ${i}: ${a[i]} vs ${b[i]}`);
        }
      }
      assert.ok(sizeOf(FIXTURE_ROOT) < 1024 * 1024, `fixture is ${sizeOf(FIXTURE_ROOT)} bytes`);
    } finally {
      cleanup();
    }
  });
});
