/**
 * The extension inside VS Code: real commands start a tiny run from a config file, the run appears in the
 * Runs view, Stop stops it; a short run finishes; the view toggles between its two orders.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import type { DclExplorerApi } from '../../../src/extension';
import type { RunsNode } from '../../../src/host/vscode/runsTreeProvider';
import type { RunState, RunStatus } from '../../../src/shared/protocol';

const EXTENSION_ID = 'dcl-explorer.dcl-explorer';

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test runner opens a workspace folder');
  return folder.uri.fsPath;
}

/** Writes a `*.dclrun.json` for a tiny synthetic run and returns its Uri. */
function writeConfig(name: string, epochs: number): vscode.Uri {
  const file = path.join(workspaceDir(), `${name}.dclrun.json`);
  const config = {
    name,
    loss: 'dcl',
    dataset: 'synthetic',
    subset: 128,
    testSubset: 64,
    encoder: 'mlp',
    projection: [32, 16],
    batchSize: 32,
    epochs,
    backend: 'cpu',
    logEvery: 1,
    knn: { k: 20 },
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return vscode.Uri.file(file);
}

suite('DCL Explorer runs', () => {
  let api: DclExplorerApi;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<DclExplorerApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    api = await extension.activate();
    assert.ok(api.store && api.manager && api.runsTree, 'activate() returns the API');
  });

  test('contributes its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['dclExplorer.startRun', 'dclExplorer.startRunFromConfig', 'dclExplorer.stopRun', 'dclExplorer.rerun', 'dclExplorer.deleteRun', 'dclExplorer.revealRun']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  test('starts a run from a config file, shows it in the Runs view, and stops it', async () => {
    const uri = writeConfig('it-long', 500);
    await vscode.commands.executeCommand('dclExplorer.startRunFromConfig', uri);
    const run = await waitFor('the run to be running', () => api.store.list().find((r) => r.config?.name === 'it-long' && r.state === 'running'));
    assert.ok(run.runDir.startsWith(path.join(workspaceDir(), '.dcl', 'runs')), `${run.runDir} is in the default runs folder`);

    api.runsTree.setViewMode('state');
    const groups = api.runsTree.getChildren();
    const running = groups.find((g): g is Extract<RunsNode, { kind: 'group' }> => g.kind === 'group' && g.state === 'running');
    assert.ok(running, 'a Running group is shown');
    const items = api.runsTree.getChildren(running);
    const node = items.find((n) => n.kind === 'run' && n.runDir === run.runDir);
    assert.ok(node, 'the run is in the Running group');
    const treeItem = api.runsTree.getTreeItem(node);
    assert.equal(treeItem.label, 'it-long');
    assert.equal(treeItem.contextValue, 'dclRun.running');
    assert.equal((treeItem.iconPath as vscode.ThemeIcon).id, 'sync~spin');

    await vscode.commands.executeCommand('dclExplorer.stopRun', node);
    const stopped = await waitFor('the run to be stopped', async () => {
      await api.store.refresh();
      const r = api.store.get(run.runDir);
      return r?.state === 'stopped' ? r : undefined;
    });
    const status = JSON.parse(fs.readFileSync(path.join(stopped.runDir, 'status.json'), 'utf8')) as RunStatus;
    assert.equal(status.state, 'stopped');
    assert.equal(api.manager.isOwned(run.runDir), false);
  });

  test('a short run finishes and shows its loss and kNN accuracy', async () => {
    const uri = writeConfig('it-short', 1);
    await vscode.commands.executeCommand('dclExplorer.startRunFromConfig', uri);
    const run = await waitFor('the run to finish', async () => {
      await api.store.refresh();
      const r = api.store.list().find((x) => x.config?.name === 'it-short');
      const done: RunState[] = ['finished', 'failed'];
      return r && done.includes(r.state) ? r : undefined;
    });
    assert.equal(run.state, 'finished', run.status?.error);
    const node = api.runsTree.nodeFor(run.runDir);
    assert.ok(node);
    const item = api.runsTree.getTreeItem(node);
    assert.match(String(item.description), /loss \d+\.\d+ · kNN \d+\.\d%/);
  });

  test('toggles between grouping by state and sorting by date', async () => {
    await vscode.commands.executeCommand('dclExplorer.sortRunsByDate');
    const flat = api.runsTree.getChildren();
    assert.ok(flat.length >= 2 && flat.every((n) => n.kind === 'run'), 'a flat list of runs');
    await vscode.commands.executeCommand('dclExplorer.groupRunsByState');
    assert.ok(api.runsTree.getChildren().every((n) => n.kind === 'group'), 'groups again');
  });
});
