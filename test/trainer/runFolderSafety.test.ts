/**
 * Issue 18, families 6–8 at the unit level: run folders are created exclusively and never half-made, a torn metrics
 * line is not glued to, a rotation cut by SIGKILL is finished, paths read from a run folder stay inside it, NaN
 * snapshots are refused by export-embeddings as by project, and mkdir -p under /proc ends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runExportEmbeddingsCommand } from '../../src/cli/exportEmbeddingsCommand';
import { parseEventLines } from '../../src/shared/eventLog';
import { loadModelFrom, recoverCheckpointRotation } from '../../src/trainer/checkpoint';
import { writeEmbedding } from '../../src/trainer/embeddings/format';
import { describeFailure } from '../../src/trainer/fatalErrors';
import { readLayersModel } from '../../src/trainer/export/stateDict';
import { createRunFolder as createHostRunFolder } from '../../src/host/runs/runFiles';
import { makeDirs } from '../../src/runFolder/makeDirs';
import { createRunFolder, RunFolder, writeJsonAtomic } from '../../src/trainer/runFolder';
import { tempDir, tinyConfig } from '../helpers/runs';

describe('run folders (issue 18)', () => {
  it('two runs whose random suffixes collide get two folders (exclusive mkdir, retried)', () => {
    const config = tinyConfig();
    const random = Math.random;
    const draws = [0.5, 0.5, 0.25];
    Math.random = () => draws.shift() ?? random();
    try {
      const a = createRunFolder(config);
      const b = createRunFolder(config);
      assert.notEqual(a, b);
      assert.ok(fs.existsSync(path.join(a, 'config.json')) && fs.existsSync(path.join(b, 'config.json')));
    } finally {
      Math.random = random;
    }
  });

  it("the extension host's run folders come from the same code: exclusive names, and /proc refused in one line", async () => {
    const config = tinyConfig();
    const now = new Date(2026, 11, 5, 12, 0, 0);
    const a = await createHostRunFolder(config.runsDir, config, now);
    const b = await createHostRunFolder(config.runsDir, config, now);
    assert.deepEqual([path.basename(a), path.basename(b)], ['20261205-120000-dcl-b32', '20261205-120000-dcl-b32-2']);
    if (fs.existsSync('/proc/self')) await assert.rejects(createHostRunFolder('/proc/dcl-x/runs', config, now), /^Error: cannot create the runs folder \(--runs-dir\) \/proc\/dcl-x\/runs: mkdir \/proc\/dcl-x failed \(ENOENT\)/);
  });

  it('a full disk outside a checkpoint write is a failure reason a person can act on', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.equal(describeFailure(full, { step: 12 }), "disk full at step 12 while writing the run's files (ENOSPC: no space left on device, write); free space, then resume the run from its last checkpoint");
  });

  it('a failed atomic write leaves no *.tmp behind', () => {
    const dir = tempDir('dcl-atomic-');
    const target = path.join(dir, 'status.json');
    fs.mkdirSync(target); // renaming a file over a folder fails
    assert.throws(() => writeJsonAtomic(target, { a: 1 }));
    assert.deepEqual(fs.readdirSync(dir), ['status.json']);
  });

  it('appending to a metrics.jsonl whose last line is torn starts on a fresh line', () => {
    const dir = tempDir('dcl-torn-');
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":0,"epoch":0,"time":"t","type":"knn","accuracy":0.5,"k":1,"t":0.1}\n{"step":1,"epo');
    const folder = new RunFolder(dir);
    folder.appendEvent({ step: 2, epoch: 0, time: 't', type: 'stopped', reason: 'test' });
    folder.close();
    const lines = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n');
    assert.equal(lines[1], '{"step":1,"epo', 'the fragment stays on its own line');
    assert.equal((JSON.parse(lines[2]) as { type: string }).type, 'stopped');
    assert.equal(parseEventLines(lines.join('\n')).events.at(-1)?.type, 'stopped');
  });

  it('a torn or foreign status.json is named in one line, not a bare JSON error', () => {
    const dir = tempDir('dcl-torn-status-');
    const file = path.join(dir, 'status.json');
    fs.writeFileSync(file, '{"schemaVersion":1,"state":"runn');
    assert.throws(() => new RunFolder(dir), (e: Error) => e.message.startsWith(`${file} is not valid JSON`) && !e.message.includes('\n'));
    fs.writeFileSync(file, '{"state":"done"}');
    assert.throws(() => new RunFolder(dir), (e: Error) => e.message.startsWith(`${file}: status.json has no valid "state"`));
  });

  it('mkdir -p under /proc fails with one line instead of spinning; a file in the way is named', { skip: !fs.existsSync('/proc/self') && 'no /proc here' }, () => {
    const t0 = Date.now();
    assert.throws(() => makeDirs('/proc/dcl-x/y', 'runs folder (--runs-dir)'), /^Error: cannot create the runs folder \(--runs-dir\) \/proc\/dcl-x\/y: mkdir \/proc\/dcl-x failed \(ENOENT\); choose a writable path$/);
    assert.ok(Date.now() - t0 < 1000);
    const dir = tempDir('dcl-mkdirs-');
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.throws(() => makeDirs(path.join(dir, 'file', 'x'), 'output folder (--out)'), /file is not a folder; choose another path/);
    makeDirs(path.join(dir, 'a', 'b', 'c'), 'x');
    assert.ok(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory());
  });
});

describe('checkpoint rotation leftovers (issue 18)', () => {
  const DEAD_PID = 2 ** 22 + 7; // above Linux's pid_max default, so no live process has it
  const checkpointAt = (dir: string, step: number | undefined) => {
    fs.mkdirSync(dir, { recursive: true });
    if (step !== undefined) fs.writeFileSync(path.join(dir, 'checkpoint.json'), JSON.stringify({ step, epoch: 0, time: 't' }));
  };
  const stepOf = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'latest', 'checkpoint.json'), 'utf8')) as { step: number }).step;

  it('a SIGKILL between the renames (latest gone, latest.<pid>.old left) restores the old checkpoint', () => {
    const dir = tempDir('dcl-rot-');
    checkpointAt(path.join(dir, `latest.${DEAD_PID}.old`), 15);
    checkpointAt(path.join(dir, `latest.${DEAD_PID}.tmp`), undefined); // incomplete: no checkpoint.json yet
    recoverCheckpointRotation(dir);
    assert.deepEqual(fs.readdirSync(dir), ['latest']);
    assert.equal(stepOf(dir), 15);
  });

  it('a complete tmp copy is newer than the old one and wins; leftovers beside an intact latest are removed', () => {
    const dir = tempDir('dcl-rot-');
    checkpointAt(path.join(dir, `latest.${DEAD_PID}.old`), 15);
    checkpointAt(path.join(dir, `latest.${DEAD_PID}.tmp`), 30);
    recoverCheckpointRotation(dir);
    assert.equal(stepOf(dir), 30);
    checkpointAt(path.join(dir, `latest.${DEAD_PID}.old`), 15);
    recoverCheckpointRotation(dir);
    assert.deepEqual(fs.readdirSync(dir), ['latest']);
    assert.equal(stepOf(dir), 30);
  });
});

describe('paths read from a run folder stay inside it (issue 18)', () => {
  it('a model.json whose weightsManifest leaves the folder is refused, naming the file', async () => {
    const dir = tempDir('dcl-escape-');
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../../../etc/passwd'], weights: [] }] }));
    await assert.rejects(loadModelFrom(dir), /model\.json \(weightsManifest\) names "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", which is outside /);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['/etc/passwd'], weights: [] }] }));
    await assert.rejects(loadModelFrom(dir), /names "\/etc\/passwd", which is outside/);
    // export-weights reads model.json itself, under the same rule.
    assert.throws(() => readLayersModel(dir), /model\.json \(weightsManifest\) names "\/etc\/passwd", which is outside/);
  });

  it('export-embeddings refuses a NaN snapshot as project does, naming the file, row and epoch', async () => {
    const dir = tempDir('dcl-nan-');
    const vectors = new Float32Array(3 * 4);
    vectors[4 * 2 + 1] = NaN;
    writeEmbedding(dir, { epoch: 3, step: 9, layer: 'encoder', dataset: 's', vectors, dim: 4, labels: new Int32Array(3), indices: new Int32Array(3) });
    const out = path.join(dir, 'tsv');
    await assert.rejects(runExportEmbeddingsCommand(['--run-dir', dir, '--out', out], () => {}), /e0003-encoder\.f32: row 2 has a non-finite value \(NaN\); training diverged by epoch 3\. Use an earlier epoch/);
    assert.equal(fs.existsSync(out), false, 'nothing written');
  });

  it('export-embeddings --out under /proc fails in one line instead of spinning', { skip: !fs.existsSync('/proc/self') && 'no /proc here' }, async () => {
    const dir = tempDir('dcl-out-');
    writeEmbedding(dir, { epoch: 1, step: 1, layer: 'encoder', dataset: 's', vectors: new Float32Array(6), dim: 2, labels: new Int32Array(3), indices: new Int32Array(3) });
    await assert.rejects(runExportEmbeddingsCommand(['--run-dir', dir, '--out', '/proc/dcl-x/tsv'], () => {}), /^Error: cannot create the output folder \(--out\) \/proc\/dcl-x\/tsv: mkdir \/proc\/dcl-x failed \(ENOENT\); choose a writable path$/);
  });
});
