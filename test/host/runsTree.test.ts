/**
 * The Runs tree's refreshes, as VS Code's extension host sees them. A whole-tree refresh (the event fired
 * with `undefined`) makes the host forget every item, and a request VS Code had already sent for the runs
 * of a group it shows (an expanded group restored by a window reload) then fails with "No tree item with
 * id '1/group:…' found". So the tree fires one only when its top level changes and VS Code holds it, and
 * otherwise names the groups and runs that changed, as the same objects it handed out before.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { emptySummary } from '../../src/host/runs/metricsTail';
import type { RunSnapshot, RunStore } from '../../src/host/runs/runStore';
import type { RunState } from '../../src/shared/protocol';
import type { RunsNode, RunsTreeProvider as Provider } from '../../src/host/vscode/runsTreeProvider';
import { FakeVscode, installFakeVscode } from './fakeVscode';
import { tinyConfig } from './hostTestUtils';

type Fired = RunsNode | RunsNode[] | undefined;

const snap = (id: string, state: RunState, extra: Partial<RunSnapshot> = {}): RunSnapshot => ({
  runDir: `/runs/${id}`,
  runId: id,
  config: tinyConfig({ name: id }),
  state,
  createdAt: `2025-01-01T00:00:0${id.length % 10}.000Z`,
  owned: false,
  metrics: emptySummary(),
  ...extra,
});

/** The part of the run store the tree reads; `runs` is what the last scan published. */
class StoreStub {
  runs: RunSnapshot[] = [];
  list(): RunSnapshot[] {
    return [...this.runs];
  }
  get(runDir: string): RunSnapshot | undefined {
    return this.runs.find((r) => r.runDir === runDir);
  }
  set(id: string, state: RunState, extra: Partial<RunSnapshot> = {}): void {
    this.runs = [...this.runs.filter((r) => r.runId !== id), snap(id, state, extra)];
  }
}

describe('the Runs tree tells VS Code what changed', () => {
  let uninstall: () => void;
  let RunsTreeProvider: typeof Provider;

  before(async () => {
    uninstall = installFakeVscode(new FakeVscode('/nowhere'));
    // Loaded after the fake is installed: the module reads `vscode` when it is first evaluated.
    ({ RunsTreeProvider } = await import('../../src/host/vscode/runsTreeProvider'));
  });
  after(() => uninstall());

  const setUp = (mode: 'state' | 'date' = 'state') => {
    const store = new StoreStub();
    const tree = new RunsTreeProvider(store as unknown as RunStore, mode);
    const fired: Fired[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    const group = (state: RunState) => tree.getChildren().find((n) => n.kind === 'group' && n.state === state);
    const labels = (nodes: RunsNode[]) => nodes.map((n) => String(tree.getTreeItem(n).label as string));
    return { store, tree, fired, group, labels };
  };

  it('fires nothing until VS Code has asked for the top level, then serves the scan', () => {
    const { store, tree, fired, labels } = setUp();
    store.set('a', 'running');
    tree.refresh();
    tree.refresh();
    assert.deepEqual(fired, [], 'VS Code holds no item yet: it gets the new tree when it asks');
    assert.deepEqual(labels(tree.getChildren()), ['Running (1)']);
  });

  it('refreshes the whole tree once when a group appears, and not again until VS Code has asked again', () => {
    const { store, tree, fired, group, labels } = setUp();
    store.set('a', 'running');
    tree.refresh();
    tree.getChildren();
    store.set('b', 'failed');
    tree.refresh();
    assert.deepEqual(fired, [undefined]);
    // Another scan before VS Code has asked again: a second whole-tree refresh could land between VS Code's
    // request for the top level and its requests for the groups' runs.
    store.set('c', 'failed');
    tree.refresh();
    assert.deepEqual(fired, [undefined], 'VS Code asks for everything again anyway');
    assert.deepEqual(labels(tree.getChildren()), ['Running (1)', 'Failed (2)']);
    assert.deepEqual(labels(tree.getChildren(group('failed'))), ['b', 'c']);
  });

  it('names only the groups whose runs changed when a run changes state, as the objects VS Code holds', () => {
    const { store, tree, fired, group } = setUp();
    store.set('a', 'running');
    store.set('b', 'running');
    store.set('c', 'finished');
    tree.refresh();
    const running = group('running');
    const finished = group('finished');
    const runningRuns = tree.getChildren(running);
    tree.getChildren(finished);

    store.set('a', 'finished');
    tree.refresh();
    assert.equal(fired.length, 1);
    assert.ok(Array.isArray(fired[0]), `element refreshes, not a whole-tree refresh: ${JSON.stringify(fired[0])}`);
    assert.deepEqual(new Set(fired[0]), new Set([running, finished]));
    assert.strictEqual(group('running'), running, 'the group is the same element across refreshes');
    assert.strictEqual(tree.getTreeItem(running!).label, 'Running (1)');
    assert.strictEqual(tree.getTreeItem(finished!).label, 'Finished (2)');
    assert.strictEqual(tree.getChildren(running)[0], runningRuns.find((n) => n.kind === 'run' && n.runDir === '/runs/b'), 'so is a run that stays');
  });

  it('names a run whose look changed, and fires nothing when nothing the view shows changed', () => {
    const { store, tree, fired, group } = setUp();
    store.set('a', 'running', { progress: { step: 1, totalSteps: 10, fraction: 0.1 } });
    tree.refresh();
    const [run] = tree.getChildren(group('running'));
    store.set('a', 'running', { progress: { step: 1, totalSteps: 10, fraction: 0.1 } });
    tree.refresh();
    assert.deepEqual(fired, [], 'a new snapshot that looks the same');
    store.set('a', 'running', { progress: { step: 5, totalSteps: 10, fraction: 0.5 } });
    tree.refresh();
    assert.deepEqual(fired, [[run]]);
    assert.match(String(tree.getTreeItem(run).description), /^50%/);
    assert.equal(run.kind === 'run' && run.run.progress?.step, 5, 'the element carries the latest snapshot');
  });

  it('gives a run an id under its group, so one that moves is a new item there', () => {
    const { store, tree, group } = setUp();
    store.set('a', 'running');
    tree.refresh();
    const [before] = tree.getChildren(group('running'));
    assert.equal(tree.getTreeItem(before).id, 'group:running//runs/a');
    store.set('a', 'stopped');
    tree.refresh();
    const [after] = tree.getChildren(group('stopped'));
    assert.equal(tree.getTreeItem(after).id, 'group:stopped//runs/a');
    assert.notStrictEqual(after, before);
    assert.strictEqual(tree.nodeFor('/runs/a'), after);
    assert.strictEqual(tree.getParent(after), group('stopped'));
  });

  it('answers a request for the runs of a group that has gone with none', () => {
    const { store, tree, group } = setUp();
    store.set('a', 'queued');
    tree.refresh();
    const queued = group('queued')!;
    store.set('a', 'running');
    tree.refresh();
    assert.deepEqual(tree.getChildren(queued), []);
  });

  it('refreshes the whole tree when the order changes or a run is added by date, and runs in place otherwise', () => {
    const { store, tree, fired } = setUp('date');
    store.set('a', 'running');
    tree.refresh();
    const [a] = tree.getChildren();
    assert.equal(tree.getTreeItem(a).id, '/runs/a');
    store.set('a', 'finished');
    tree.refresh();
    assert.deepEqual(fired, [[a]], 'a run that changes state stays where it is in the by-date order');
    store.set('bb', 'queued');
    tree.refresh();
    assert.deepEqual(fired, [[a], undefined]);
    tree.getChildren();
    tree.setViewMode('state');
    assert.deepEqual(fired, [[a], undefined, undefined]);
  });
});
