/**
 * Issue 18: a local `dcl-explorer sweep` stopped by SIGTERM, SIGHUP (the terminal closed), Ctrl+C (SIGINT to the whole
 * foreground process group, as a terminal sends it) or a closed stderr pipe (`… 2>&1 | head -1`) stops its running run
 * cleanly (it checkpoints its last step and ends `stopped`), records the runs that had not started as `stopped` with
 * the reason, leaves no trainer behind, and exits with 128 + the signal's number (141 for the pipe), never an uncaught
 * EPIPE; so does the end of an npx / npm wrapper (npm passes SIGTERM only to its `sh -c`). A sweep killed outright
 * (SIGKILL) still stops its running trainer, through the IPC channel that closes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig, RunStatus } from '../../src/shared/protocol';
import { isPidAlive } from '../../src/runFolder/processAlive';
import { readEvents, readStatus, tempDir, waitFor } from '../helpers/runs';
import { repoRoot } from '../helpers/paths';

const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');

/** Tiny synthetic runs; `epochs` long enough that a run is still training when the test stops the sweep. */
const RUN_FLAGS = ['--dataset', 'synthetic', '--subset', '16', '--test-subset', '8', '--batch-sizes', '8', '--encoder', 'mlp', '--projection', '8,4', '--backend', 'wasm', '--knn-k', '4', '--log-every', '1'];

interface Run {
  dir: string;
  config: RunConfig;
  status: RunStatus;
}

/** The sweep's runs in plan order (their names, `dcl b8 epochs=1 seed 0`, sort so in these tests), as their folders say now. */
function runsOf(runsDir: string): Run[] {
  const dirs = fs.readdirSync(runsDir).filter((n) => !n.startsWith('.')).map((n) => path.join(runsDir, n));
  const runs = dirs.map((dir) => ({ dir, config: JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as RunConfig, status: readStatus(dir) }));
  return runs.sort((a, b) => (a.config.name ?? '').localeCompare(b.config.name ?? ''));
}

function startSweep(runsDir: string, args: string[], detached = false, env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'sweep', ...RUN_FLAGS, ...args, '--runs-dir', runsDir], { stdio: ['ignore', 'pipe', 'pipe'], detached, env });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stderr })));
  return { child, done };
}

/** A run that trained and was stopped: `stopped` on both files, its last completed step checkpointed, no temp files. */
function assertStoppedWithCheckpoint(run: Run, reason: RegExp): void {
  assert.equal(run.status.state, 'stopped', `${run.dir}: ${JSON.stringify(run.status)}`);
  const last = readEvents(run.dir).at(-1);
  assert.equal(last?.type, 'stopped');
  assert.match(last?.type === 'stopped' ? last.reason : '', reason);
  const info = JSON.parse(fs.readFileSync(path.join(run.dir, 'checkpoints', 'latest', 'checkpoint.json'), 'utf8')) as { step: number };
  assert.ok(info.step > 0 && info.step === run.status.step, `checkpoint at step ${info.step}, status at ${run.status.step}`);
  assert.equal(isPidAlive(run.status.pid), false, 'the trainer is gone');
  assert.deepEqual(fs.readdirSync(run.dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.tmp')), []);
}

function assertNotStarted(run: Run, why: string): void {
  assert.equal(run.status.state, 'stopped', `${run.dir}: ${JSON.stringify(run.status)}`);
  assert.equal(run.status.error, `the sweep was stopped (${why}) before this run started`);
  assert.ok(run.status.endedAt);
  assert.ok(!fs.existsSync(path.join(run.dir, 'checkpoints')), 'it never trained');
}

/** Waits until the sweep's first run has trained a few steps and checkpointed. */
async function firstRunTraining(runsDir: string): Promise<void> {
  await waitFor(() => {
    const first = fs.existsSync(runsDir) ? runsOf(runsDir)[0] : undefined;
    return !!first && first.status.state === 'running' && fs.existsSync(path.join(first.dir, 'checkpoints', 'latest'));
  }, 30_000, 'the first run to train and checkpoint');
}

describe('a stopped local sweep stops its run cleanly and marks the rest (issue 18)', { skip: process.platform === 'win32' && 'POSIX signals' }, () => {
  const cases: [signal: NodeJS.Signals, code: number, toGroup: boolean][] = [
    ['SIGTERM', 143, false],
    ['SIGHUP', 129, false],
    // Ctrl+C in a terminal reaches the sweep and its trainers at once.
    ['SIGINT', 130, true],
  ];
  for (const [signal, code, toGroup] of cases) {
    it(`${signal}${toGroup ? ' to the process group' : ''}: exit ${code}, the running run stopped with its checkpoint, the others not started`, async () => {
      const runsDir = tempDir('dcl-sweep-end-');
      const sweep = startSweep(runsDir, ['--losses', 'dcl,dclw,infonce', '--epochs', '2000'], toGroup);
      await firstRunTraining(runsDir);
      if (toGroup) process.kill(-sweep.child.pid!, signal);
      else sweep.child.kill(signal);
      const { code: exit, stderr } = await sweep.done;
      assert.equal(exit, code, stderr);
      assert.doesNotMatch(stderr, /^\s+at |Error:/m, 'no crash');
      assert.match(stderr, new RegExp(`sweep: stopped \\(${signal}\\): 0 finished, 3 stopped`));
      const [first, ...rest] = runsOf(runsDir);
      assertStoppedWithCheckpoint(first, new RegExp(`^stopped by request \\((${signal}|SIGTERM)\\) at step \\d+$`));
      for (const run of rest) assertNotStarted(run, signal);
    });
  }

  it('a closed stderr pipe (… 2>&1 | head -1): exit 141 without an uncaught EPIPE; the running run stopped, the rest not started', async () => {
    const runsDir = tempDir('dcl-sweep-epipe-');
    // Two at a time: a 1-epoch run and a long one; the short one's end line meets the closed pipe while the long one trains.
    const sweep = startSweep(runsDir, ['--losses', 'dcl,dclw', '--grid', 'epochs=1,2000', '--parallel', '2']);
    await new Promise<void>((resolve) => sweep.child.stderr!.once('data', () => resolve()));
    sweep.child.stderr!.destroy();
    const { code } = await sweep.done;
    assert.equal(code, 141);
    const [short, long, ...rest] = runsOf(runsDir);
    assert.deepEqual([short.config.epochs, long.config.epochs], [1, 2000]);
    assert.equal(short.status.state, 'finished');
    assertStoppedWithCheckpoint(long, /^stopped by request \(SIGTERM\) at step \d+$/);
    assert.equal(rest.length, 2);
    for (const run of rest) assertNotStarted(run, 'stderr closed (EPIPE)');
  });

  it('SIGTERM to an npx-style `sh -c` wrapper (npm passes it to the shell only) still stops the sweep', async () => {
    const runsDir = tempDir('dcl-sweep-npx-');
    const quoted = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const argv = [process.execPath, BIN, 'sweep', ...RUN_FLAGS, '--losses', 'dcl,dclw', '--epochs', '2000', '--runs-dir', runsDir];
    // `; true` keeps dash from exec'ing, as npm's `sh -c` does, so the sweep is the shell's child.
    const shell = spawn('sh', ['-c', `${argv.map(quoted).join(' ')}; true`], { stdio: 'ignore', env: { ...process.env, npm_command: 'exec' } });
    await firstRunTraining(runsDir);
    shell.kill('SIGTERM'); // the shell dies; the sweep is re-parented
    await waitFor(() => runsOf(runsDir).every((r) => r.status.state === 'stopped'), 20_000, 'every run to be stopped');
    const [first, second] = runsOf(runsDir);
    await waitFor(() => !isPidAlive(readStatus(first.dir).pid), 5_000, 'the trainer to exit');
    assertStoppedWithCheckpoint(runsOf(runsDir)[0], /^stopped by request \(SIGTERM\) at step \d+$/);
    assert.match(second.status.error ?? '', /^the sweep was stopped \(the npm exec wrapper \(pid \d+\) ended\) before this run started$/);
  });

  it('a sweep killed outright (SIGKILL) still stops its running trainer (the IPC channel closes)', async () => {
    const runsDir = tempDir('dcl-sweep-kill-');
    // As under `npm test`: the trainers inherit npm_command, yet their parent is the sweep, not an npm wrapper, so
    // the reason must be the lost IPC channel (CI once recorded "the npm test wrapper ended").
    const sweep = startSweep(runsDir, ['--losses', 'dcl', '--epochs', '2000'], false, { ...process.env, npm_command: 'test' });
    await firstRunTraining(runsDir);
    sweep.child.kill('SIGKILL');
    await sweep.done;
    await waitFor(() => runsOf(runsDir)[0].status.state !== 'running', 20_000, 'the orphaned trainer to stop');
    const [run] = runsOf(runsDir);
    await waitFor(() => !isPidAlive(readStatus(run.dir).pid), 5_000, 'the trainer to exit');
    assertStoppedWithCheckpoint(runsOf(runsDir)[0], /^stopped by request \(IPC disconnect\) at step \d+$/);
  });
});
