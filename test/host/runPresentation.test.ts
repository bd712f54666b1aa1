import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, runContextValue, runDescription, runLabel, runTooltipMarkdown, statusBarSummary } from '../../src/host/runs/runPresentation';
import { groupByState, sortByDate } from '../../src/host/runs/runGrouping';
import { runDirsFromArgs } from '../../src/host/runs/runArgs';
import { exitOutcome } from '../../src/host/runs/exitOutcome';
import type { TrainerExit } from '../../src/host/runs/trainerProcess';
import { emptySummary } from '../../src/host/runs/metricsTail';
import type { RunSnapshot } from '../../src/host/runs/runStore';
import type { RunState, RunStatus } from '../../src/shared/protocol';
import { tinyConfig } from './hostTestUtils';

function snapshot(state: RunState, extra: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    runDir: `/runs/${state}`,
    runId: `20250101-000000-${state}`,
    config: tinyConfig({ loss: 'dclw', batchSize: 128, temperature: 0.2 }),
    state,
    createdAt: '2025-01-01T00:00:00.000Z',
    owned: false,
    metrics: emptySummary(),
    ...extra,
  };
}

describe('run presentation', () => {
  it('labels a run by its name, else loss · batch · temperature, else its folder', () => {
    assert.equal(runLabel(tinyConfig({ name: 'baseline' }), 'x'), 'baseline');
    assert.equal(runLabel(tinyConfig({ loss: 'infonce', batchSize: 512, temperature: 0.5 }), 'x'), 'infonce · b512 · τ0.5');
    assert.equal(runLabel(undefined, '20250101-000000-dcl'), '20250101-000000-dcl');
    assert.equal(runLabel({ ...tinyConfig(), name: 42 as unknown as string }, 'x'), 'dcl · b16 · τ0.1');
  });

  it('describes progress while running, then loss and kNN accuracy', () => {
    const metrics = { ...emptySummary(), loss: 4.81234, knnAccuracy: 0.9123 };
    assert.equal(runDescription(snapshot('running', { metrics, progress: { step: 42, totalSteps: 100, fraction: 0.42 } })), '42% · loss 4.812 · kNN 91.2%');
    assert.equal(runDescription(snapshot('finished', { metrics, progress: { step: 100, totalSteps: 100, fraction: 1 } })), 'loss 4.812 · kNN 91.2%');
    assert.equal(runDescription(snapshot('queued')), 'waiting to start');
    const fromStatus = snapshot('finished', { status: { schemaVersion: 1, state: 'finished', createdAt: '', final: { loss: 3, knnAccuracy: 0.5 } } });
    assert.equal(runDescription(fromStatus), 'loss 3.000 · kNN 50.0%');
  });

  it('builds a tooltip with config, backend, notes and bad lines, escaping user text', () => {
    const status: RunStatus = { schemaVersion: 1, state: 'failed', createdAt: '2025-01-01T00:00:00.000Z', error: 'out of *memory*', backend: { name: 'tensorflow', tfjsVersion: '4.22.0', details: ['threads: 8'] } };
    const md = runTooltipMarkdown(snapshot('failed', { status, config: tinyConfig({ name: '[click](http://evil)' }), metrics: { ...emptySummary(), badLines: [3, 7] } }));
    assert.match(md, /^\*\*\\\[click\\\]\\\(http:\/\/evil\\\)\*\* — Failed/);
    assert.match(md, /Error: out of \\\*memory\\\*/);
    assert.match(md, /Backend: \*\*tensorflow\*\* \(TensorFlow\.js 4\\\.22\\\.0\)\n- threads: 8/);
    assert.match(md, /metrics\.jsonl has 2 unreadable line\(s\) \(3, 7\)/);
    assert.match(md, /```json\n\{\n {2}"loss": "dcl",/);
    const interrupted = runTooltipMarkdown(snapshot('interrupted', { stateNote: 'its trainer is gone' }));
    assert.match(interrupted, /Shown as interrupted: its trainer is gone/);
  });

  it('escapes every Markdown control character', () => {
    assert.equal(escapeMarkdown('a_b*c`d[e](f)#<g>|h'), 'a\\_b\\*c\\`d\\[e\\]\\(f\\)\\#\\<g\\>\\|h');
  });

  it('gives menus a context value per state', () => {
    assert.equal(runContextValue(snapshot('running')), 'dclRun.running');
  });

  it('summarizes active runs for the status bar and hides when none', () => {
    assert.equal(statusBarSummary([snapshot('finished')]), undefined);
    const s = statusBarSummary([
      snapshot('running', { progress: { step: 30, totalSteps: 100, fraction: 0.3 } }),
      snapshot('running', { runDir: '/r2', progress: { step: 10, totalSteps: 100, fraction: 0.1 } }),
      snapshot('queued'),
      snapshot('failed'),
    ]);
    assert.equal(s?.text, '$(sync~spin) DCL 2 running 20% · 1 queued');
    assert.match(s?.tooltip ?? '', /dclw · b128 · τ0\.2: running — step 30\/100 \(30%\)/);
    assert.equal(statusBarSummary([snapshot('queued')])?.text, '$(clock) DCL 1 queued');
  });

  it('groups by state with active runs first, or sorts by date', () => {
    const runs = [snapshot('finished', { createdAt: '2025-01-03' }), snapshot('running', { createdAt: '2025-01-01' }), snapshot('failed', { createdAt: '2025-01-02' })];
    assert.deepEqual(groupByState(runs).map((g) => g.state), ['running', 'failed', 'finished']);
    assert.deepEqual(sortByDate(runs).map((r) => r.state), ['finished', 'failed', 'running']);
  });
});

describe('runDirsFromArgs', () => {
  const item = (runDir: string) => ({ kind: 'run', runDir });
  it('takes the selection when the clicked item is in it, else the clicked item', () => {
    assert.deepEqual(runDirsFromArgs([item('/a'), [item('/a'), item('/b')]]), ['/a', '/b']);
    assert.deepEqual(runDirsFromArgs([item('/c'), [item('/a'), item('/b')]]), ['/c']);
    assert.deepEqual(runDirsFromArgs([item('/a')]), ['/a']);
  });
  it('accepts paths, Uri-like objects and arrays, and ignores the rest', () => {
    assert.deepEqual(runDirsFromArgs(['/a']), ['/a']);
    assert.deepEqual(runDirsFromArgs([{ fsPath: '/u' }]), ['/u']);
    assert.deepEqual(runDirsFromArgs([['/a', item('/b'), 7, '/a']]), ['/a', '/b']);
    assert.deepEqual(runDirsFromArgs([]), []);
    assert.deepEqual(runDirsFromArgs([{ kind: 'group' }]), []);
  });
});

describe('exitOutcome', () => {
  const exit = (e: Partial<TrainerExit>): TrainerExit => ({ code: 0, signal: null, stopRequested: false, killedAfterTimeout: false, stderrTail: [], ...e });
  const status = (state: RunStatus['state'], error?: string): RunStatus => ({ schemaVersion: 1, state, createdAt: '', error });

  it('keeps a final status the trainer wrote', () => {
    assert.deepEqual(exitOutcome(exit({}), status('finished'), 'node'), { state: 'finished' });
    assert.deepEqual(exitOutcome(exit({ code: 1 }), status('failed', 'NaN loss'), 'node'), { state: 'failed', error: 'NaN loss' });
    assert.deepEqual(exitOutcome(exit({ stopRequested: true }), status('stopped'), 'node'), { state: 'stopped' });
  });

  it('records stopped for a stop that ended without the trainer writing it', () => {
    assert.deepEqual(exitOutcome(exit({ stopRequested: true, signal: 'SIGTERM', code: null }), status('running'), 'node'), { state: 'stopped', write: { state: 'stopped', error: undefined } });
  });

  it('explains out-of-memory crashes, signals and exit codes', () => {
    const oom = exitOutcome(exit({ code: 134, signal: null, stderrTail: ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'] }), status('running'), 'node');
    assert.match(oom.error ?? '', /ran out of memory \(JavaScript heap\)/);
    assert.equal(oom.write?.state, 'failed');
    assert.match(exitOutcome(exit({ code: null, signal: 'SIGSEGV' }), status('running'), 'node').error ?? '', /ended by signal SIGSEGV/);
    assert.equal(exitOutcome(exit({ code: 2, stderrTail: ['bad thing', ''] }), undefined, 'node').error, 'the trainer exited with code 2: bad thing.');
    const withStack = exit({ code: 1, stderrTail: ['TypeError: x is undefined', '    at f (a.js:1:1)', '    at g (a.js:2:1)'] });
    assert.equal(exitOutcome(withStack, status('running'), 'node').error, 'the trainer exited with code 1: TypeError: x is undefined.');
    const spawn = Object.assign(new Error('spawn /x ENOENT'), { code: 'ENOENT' });
    assert.match(exitOutcome(exit({ code: null, spawnError: spawn }), status('queued'), '/x').error ?? '', /\/x does not exist\. Set "dclExplorer\.nodePath"/);
  });
});
