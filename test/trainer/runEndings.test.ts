/**
 * Issue 18, family 5: every way a CLI run can end leaves a run folder a reader can trust. Spawns the real CLI
 * (bin/dcl-explorer.js over dist/cli.js) on tiny synthetic data and ends it by SIGTERM, SIGHUP, Ctrl+C twice 20 ms
 * apart, a closed stderr pipe (EPIPE), the end of an npx-style `sh -c` wrapper and SIGKILL at seeded random moments,
 * then checks the folder's invariants: status.json parses; the state is terminal with a reason (except after
 * SIGKILL); metrics.jsonl lines parse (a torn last line only after SIGKILL); no *.tmp is left; the latest checkpoint
 * (after recovering a rotation SIGKILL cut) loads, and a graceful stop checkpointed its last completed step.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunStatus } from '../../src/shared/protocol';
import { loadModelFrom, recoverCheckpointRotation } from '../../src/trainer/checkpoint';
import { mulberry32 } from '../../src/trainer/random';
import { repoRoot } from '../helpers/paths';
import { tempDir } from '../helpers/runs';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');

/**
 * Two-step epochs, so checkpoints (each epoch's end) and their rotation happen every few milliseconds; `slowSteps`
 * makes each step take longer than 20 ms, so a second Ctrl+C lands before the first stop is done.
 */
function trainArgs(runs: string, slowSteps = false): string[] {
  const cfg = path.join(runs, 'long.dclrun.json');
  fs.writeFileSync(cfg, JSON.stringify({ knn: { everyEpochs: 0, k: 4 }, embeddings: { layers: [] } }));
  const [subset, batch, projection] = slowSteps ? ['1024', '512', '512,128'] : ['16', '8', '8,4'];
  return ['train', '--config', cfg, '--dataset', 'synthetic', '--subset', subset, '--test-subset', '8', '--batch-size', batch, '--epochs', '2000',
    '--encoder', 'mlp', '--projection', projection, '--backend', 'wasm', '--log-every', '1', '--runs-dir', runs];
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function ended(child: ChildProcess, out: { stdout: string; stderr: string }): Promise<Ended> {
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ...out })));
}

/** Spawns a training run; `training` resolves once its first step line is on stderr. */
function startRun(runs: string, spawnIt: (args: string[]) => ChildProcess = (args) => spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' }), slowSteps = false) {
  const child = spawnIt(trainArgs(runs, slowSteps));
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += d));
  const training = new Promise<void>((resolve) => {
    child.stderr!.on('data', (d) => {
      out.stderr += d;
      if (/step \d+\/\d+/.test(out.stderr)) resolve();
    });
  });
  const done = ended(child, out);
  // A run that never trains fails the test at once rather than by timeout (where the test waits for training).
  const trained = Promise.race([training, done.then((e) => assert.fail(`the run ended before its first step: ${e.stderr}`))]);
  trained.catch(() => undefined);
  return { child, training: trained, done };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function onlyRunFolder(runs: string): string | undefined {
  const dirs = fs.readdirSync(runs).filter((n) => fs.statSync(path.join(runs, n)).isDirectory());
  assert.ok(dirs.length <= 1, `one run folder at most: ${dirs.join(', ')}`);
  return dirs[0] && path.join(runs, dirs[0]);
}

function tmpFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => /\.tmp$/.test(n));
}

/** The invariants every ending keeps; `graceful` adds: terminal state with a reason, nothing torn, no temp files. */
async function checkFolder(dir: string, graceful: boolean, recover = true): Promise<{ status: RunStatus; reason?: string }> {
  const status = JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as RunStatus;
  const metricsFile = path.join(dir, 'metrics.jsonl');
  const text = fs.existsSync(metricsFile) ? fs.readFileSync(metricsFile, 'utf8') : '';
  const lines = text.split('\n');
  const torn = lines.pop() !== '';
  assert.ok(!torn || !graceful, 'only a SIGKILL may leave a torn last line');
  for (const line of lines) JSON.parse(line);
  const events = parseEventLines(text).events;
  const last = events.at(-1);
  let reason: string | undefined;
  if (graceful) {
    assert.ok(status.state === 'stopped' || status.state === 'failed', `terminal state, got ${status.state}`);
    assert.equal(last?.type, status.state, 'metrics.jsonl ends with the same state');
    reason = last?.type === 'stopped' || last?.type === 'failed' ? last.reason : undefined;
    assert.ok(reason, 'a reason is recorded');
    assert.deepEqual(tmpFiles(dir), []);
  }
  const checkpoints = path.join(dir, 'checkpoints');
  if (!recover) return { status };
  recoverCheckpointRotation(checkpoints); // what the next start does first
  const latest = path.join(checkpoints, 'latest');
  if (fs.existsSync(latest)) {
    assert.deepEqual(fs.readdirSync(checkpoints), ['latest'], 'rotation leftovers are gone');
    for (const part of ['encoder', 'head']) (await loadModelFrom(path.join(latest, part))).dispose();
    const info = JSON.parse(fs.readFileSync(path.join(latest, 'checkpoint.json'), 'utf8')) as { step: number };
    if (graceful && status.state === 'stopped' && !/quit at once/.test(reason ?? '')) assert.equal(info.step, status.step, 'the last completed step is checkpointed');
  }
  return { status, reason };
}

describe('every way a CLI run ends leaves a trustworthy run folder (issue 18)', { skip: process.platform === 'win32' && 'POSIX signals and sh' }, () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: stopped with the signal as reason and the last step checkpointed`, async () => {
      const runs = tempDir('dcl-end-');
      const run = startRun(runs);
      await run.training;
      run.child.kill(signal);
      const e = await run.done;
      assert.equal(e.code, 0, e.stderr);
      const dir = e.stdout.trim().split('\n').at(-1)!;
      const { reason } = await checkFolder(dir, true);
      assert.match(reason!, new RegExp(`stopped by request \\(${signal}\\) at step \\d+`));
    });
  }

  it('Ctrl+C twice 20 ms apart quits at once, but only after recording the stop', async () => {
    const runs = tempDir('dcl-end-');
    const run = startRun(runs, undefined, true);
    await run.training;
    // Both signals land inside the next (slow, synchronous) step, so the second is handled before the stop is done.
    await new Promise((r) => setTimeout(r, 60));
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const e = await run.done;
    assert.equal(e.code, 130, e.stderr);
    const { status, reason } = await checkFolder(onlyRunFolder(runs)!, true);
    assert.equal(status.state, 'stopped');
    assert.match(reason!, /^quit at once by a second Ctrl\+C \(SIGINT\) during step \d+; the steps after the last checkpoint are lost$/);
  });

  it("SIGTERM then SIGINT (a sweep's Ctrl+C: the sweep's SIGTERM may be handled first) is one graceful stop, not a quit", async () => {
    const runs = tempDir('dcl-end-');
    const run = startRun(runs, undefined, true);
    await run.training;
    await new Promise((r) => setTimeout(r, 60));
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const e = await run.done;
    assert.equal(e.code, 0, e.stderr);
    const { status, reason } = await checkFolder(onlyRunFolder(runs)!, true);
    assert.equal(status.state, 'stopped');
    // Both may be pending inside one synchronous step, and then either is handled first; neither is a second Ctrl+C.
    assert.match(reason!, /^stopped by request \((SIGTERM|SIGINT)\) at step \d+$/);
  });

  it('a closed stderr pipe (… 2>&1 | head -2) stops the run cleanly instead of an uncaught EPIPE', async () => {
    const runs = tempDir('dcl-end-');
    const run = startRun(runs);
    await run.training;
    run.child.stderr!.destroy();
    const e = await run.done;
    assert.equal(e.code, 0);
    const dir = e.stdout.trim().split('\n').at(-1)!;
    const { reason } = await checkFolder(dir, true);
    assert.match(reason!, /stopped by request \(stderr closed \(EPIPE\)\)/);
  });

  it('SIGTERM to an npx-style `sh -c` wrapper (npm passes it to the shell only) still stops the trainer', async () => {
    const runs = tempDir('dcl-end-');
    const quoted = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    // `; true` keeps dash from exec'ing, as npm's `sh -c` does, so the trainer is the shell's child.
    const run = startRun(runs, (args) => spawn('sh', ['-c', `${[process.execPath, BIN, ...args].map(quoted).join(' ')}; true`], { stdio: 'pipe', env: { ...process.env, npm_command: 'exec' } }));
    await run.training;
    run.child.kill('SIGTERM'); // the shell dies; the trainer is re-parented
    await run.done;
    const dir = onlyRunFolder(runs)!;
    await until(() => (JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as RunStatus).state !== 'running');
    const { reason } = await checkFolder(dir, true);
    assert.match(reason!, /stopped by request \(the npm exec wrapper \(pid \d+\) ended\)/);
  });

  it('Ctrl+C the moment the run folder appears ends it stopped, never a `queued` orphan', async () => {
    const runs = tempDir('dcl-early-');
    const run = startRun(runs);
    // The folder used to be made before TensorFlow.js loaded, when Ctrl+C still killed the process outright.
    const watcher = fs.watch(runs, (_, name) => {
      if (name === 'long.dclrun.json') return;
      watcher.close();
      run.child.kill('SIGINT');
    });
    await run.done;
    watcher.close();
    const dir = onlyRunFolder(runs);
    assert.ok(dir, 'the run folder was created');
    const { reason } = await checkFolder(dir, true);
    assert.match(reason!, /stopped by request \(SIGINT\) at step 1/);
  });

  it('SIGKILL at seeded random moments: the folder stays readable and --resume carries on from it', async () => {
    const random = mulberry32(18);
    let resumed = 0;
    for (let i = 0; i < 4; i++) {
      const runs = tempDir('dcl-kill-');
      const run = startRun(runs);
      // Half the kills land anywhere from the start (folder creation, backend start-up), half once checkpoints rotate.
      if (i % 2 === 1) {
        await run.training;
        await until(() => fs.existsSync(path.join(onlyRunFolder(runs)!, 'checkpoints', 'latest')));
      }
      await new Promise((r) => setTimeout(r, Math.floor(random() * (i % 2 === 1 ? 300 : 1500))));
      run.child.kill('SIGKILL');
      await run.done;
      const dir = onlyRunFolder(runs);
      if (!dir) continue;
      const { status } = await checkFolder(dir, false, false);
      if (status.state !== 'running') continue;
      // The next start: a resume finishes a cut rotation, skips a torn line, and trains on until stopped.
      const next = startRun(runs, () => spawn(process.execPath, [BIN, 'train', '--resume', dir], { stdio: 'pipe' }));
      const e = await Promise.race([next.training.then(() => undefined), next.done]);
      if (e) {
        assert.match(e.stderr, /^dcl-explorer: (train: )?cannot resume: .*no checkpoint/m, 'only a run killed before its first checkpoint is refused');
        continue;
      }
      next.child.kill('SIGTERM');
      assert.equal((await next.done).code, 0);
      await checkFolder(dir, true);
      resumed++;
    }
    assert.ok(resumed >= 2, 'every run killed after its first checkpoint was resumed');
  });
});
