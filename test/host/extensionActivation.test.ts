/**
 * The built extension (dist/extension.js) activated against the fake `vscode` module, with the fake
 * trainer installed as the extension's dist/trainer.js: the commands, the Runs view, the status bar,
 * notifications and the log channel, end to end, without VS Code.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DclExplorerApi } from '../../src/extension';
import type { RunsNode } from '../../src/host/vscode/runsTreeProvider';
import type { RunStatus } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';
import { FakeQuickInput, FakeVscode, installFakeVscode, type ShownMessage } from './fakeVscode';
import { fakeTrainerPath, makeTempDir, readJson, removeDir, waitFor } from './hostTestUtils';

const BUNDLE = path.join(repoRoot(), 'dist', 'extension.js');
const skip = fs.existsSync(BUNDLE) ? false : `${BUNDLE} is not built: run "npm run build" first`;

interface ExtensionModule {
  activate(context: unknown): DclExplorerApi;
  deactivate(): Promise<void>;
}

describe('the extension bundle in a fake VS Code', { skip }, () => {
  let root: string;
  let workspace: string;
  let fake: FakeVscode;
  let uninstall: () => void;
  let ext: ExtensionModule;
  let api: DclExplorerApi;
  let context: { subscriptions: { dispose(): void }[] };
  const env = { ...process.env };

  const run = (id: string, ...args: unknown[]): Promise<unknown> => {
    const fn = fake.commands.get(id);
    assert.ok(fn, `${id} is registered`);
    return Promise.resolve(fn(...args));
  };
  const writeConfig = (name: string, body: unknown): string => {
    const file = path.join(workspace, name);
    fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };
  const uri = (file: string): unknown => (fake.module().Uri as { file(p: string): unknown }).file(file);
  const stateOf = async (predicate: (name?: string) => boolean, state: string) =>
    waitFor(`a run in state ${state}`, async () => {
      await api.store.refresh();
      return api.store.list().find((r) => predicate(r.config?.name) && r.state === state);
    });
  const lastMessage = (level: ShownMessage['level']): ShownMessage | undefined => [...fake.messages].reverse().find((m) => m.level === level);

  before(() => {
    root = makeTempDir('ext');
    workspace = path.join(root, 'workspace');
    const extensionPath = path.join(root, 'extension');
    fs.mkdirSync(workspace);
    fs.mkdirSync(path.join(extensionPath, 'dist'), { recursive: true });
    fs.copyFileSync(fakeTrainerPath(), path.join(extensionPath, 'dist', 'trainer.js'));
    fake = new FakeVscode(workspace);
    // openChartsOnStart off: webview panels are beyond this fake (the integration suite covers them).
    fake.settings = { 'dclExplorer.maxConcurrentRuns': 1, 'dclExplorer.stopTimeoutSeconds': 5, 'dclExplorer.openChartsOnStart': false };
    uninstall = installFakeVscode(fake);
    // Loaded at run time (not bundled into this test) so the shipped bundle is what runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shipped bundle, loaded as VS Code loads it
    ext = require(BUNDLE) as ExtensionModule;
    context = fake.context(extensionPath) as typeof context;
    api = ext.activate(context);
  });

  after(async () => {
    await ext.deactivate();
    context.subscriptions.forEach((d) => d.dispose());
    uninstall();
    delete require.cache[BUNDLE];
    process.env = env;
    removeDir(root);
  });

  it('registers every contributed command and restores the charts and projection panels', () => {
    const pkg = readJson<{ contributes: { commands: { command: string }[] }; activationEvents: string[] }>(path.join(repoRoot(), 'package.json'));
    const contributed = pkg.contributes.commands.map((c) => c.command);
    assert.deepEqual([...fake.commands.keys()].sort(), contributed.sort());
    // Each restorable webview has a serializer and an activation event, so panels survive a reload.
    for (const viewType of fake.serializers) assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${viewType}`), viewType);
    assert.equal(fake.serializers.size, 2);
    assert.equal(fake.contextKeys.get('dclExplorer.runsViewMode'), 'state');
  });

  it('starts a run from a config file, lists it, shows it in the status bar, and stops it', async () => {
    process.env.FAKE_TRAINER_MODE = 'forever';
    const file = writeConfig('long.dclrun.json', { name: 'long', loss: 'dclw', dataset: 'synthetic', encoder: 'mlp', epochs: 1, batchSize: 8 });
    await run('dclExplorer.startRunFromConfig', uri(file));
    const running = await stateOf((n) => n === 'long', 'running');
    assert.ok(running.runDir.startsWith(path.join(workspace, '.dcl', 'runs')));
    const config = readJson<Record<string, unknown>>(path.join(running.runDir, 'config.json'));
    assert.equal(config.runsDir, '.dcl/runs', 'config.json keeps the runs folder as given, not an absolute path');
    assert.equal(config.sigma, 0.5, 'missing fields come from the defaults');

    const tree = api.runsTree;
    const group = tree.getChildren().find((n) => n.kind === 'group' && n.state === 'running');
    assert.ok(group);
    const node = tree.getChildren(group).find((n): n is Extract<RunsNode, { kind: 'run' }> => n.kind === 'run' && n.runDir === running.runDir);
    assert.ok(node, 'the run is listed under Running');
    const item = tree.getTreeItem(node) as unknown as { label: string; contextValue: string; iconPath: { id: string }; command: { command: string; arguments: unknown[] } };
    assert.equal(item.label, 'long');
    assert.equal(item.contextValue, 'dclRun.running');
    assert.equal(item.iconPath.id, 'sync~spin');
    assert.deepEqual(item.command.arguments, [node], 'clicking passes the element with its runDir to Open charts');

    await waitFor('the status bar to show the run', () => fake.statusBar.visible && /DCL 1 running/.test(fake.statusBar.text));
    assert.equal(fake.statusBar.command, 'dclExplorer.runs.focus');

    await run('dclExplorer.stopRun', node, [node]);
    assert.equal(readJson<RunStatus>(path.join(running.runDir, 'status.json')).state, 'stopped');
    await stateOf((n) => n === 'long', 'stopped');
    await waitFor('the status bar to hide', () => !fake.statusBar.visible);

    const log = fake.outputs.get(`DCL run ${path.basename(running.runDir)}`) ?? [];
    assert.ok(log.some((l) => /trainer started \(pid \d+\)/.test(l)), log.join('\n'));
    assert.ok(log.some((l) => /run stopped/.test(l)));
  });

  it('"Start DCL run" asks its questions with Back and validation, then starts the run', async () => {
    process.env.FAKE_TRAINER_MODE = 'finish';
    const script: ((i: FakeQuickInput) => void)[] = [
      (i) => i.choose('DCLW'),
      (i) => i.choose('Synthetic'),
      (i) => i.back(), // training images → dataset
      (i) => {
        assert.equal(i.activeItems[0]?.label, 'Synthetic', 'the answer given before is preselected');
        i.choose('Synthetic');
      },
      (i) => i.choose('First 2 000'),
      (i) => i.choose('mlp'),
      (i) => {
        assert.equal(i.kind, 'input');
        assert.equal(i.value, '8', 'prefilled from the last run (long.dclrun.json)');
        i.type('1'); // refused: stays on this step
        assert.equal(i.validationMessage, 'This must be ≥ 2');
        i.type('16');
      },
      (i) => i.type('0.3'),
      (i) => {
        assert.match(i.prompt ?? '', /σ/);
        assert.equal(`${i.step}/${i.totalSteps}`, '7/9');
        i.type('0.4');
      },
      (i) => i.type('1'),
      (i) => i.choose('kNN accuracy only'),
    ];
    fake.driveQuickInput = (i) => {
      const next = script.shift();
      if (!next) throw new Error('more questions than expected');
      next(i);
    };
    await run('dclExplorer.startRun');
    assert.deepEqual(fake.scriptErrors, []);
    assert.equal(script.length, 0, 'every question was asked');
    assert.equal(fake.quickInputs[0].title, 'Start DCL run');
    assert.equal(fake.quickInputs.every((i) => i.ignoreFocusOut), true);
    const finished = await stateOf((n) => n === undefined, 'finished');
    const config = readJson<Record<string, unknown>>(path.join(finished.runDir, 'config.json'));
    assert.deepEqual([config.loss, config.dataset, config.subset, config.encoder, config.batchSize, config.temperature, config.sigma, config.epochs], ['dclw', 'synthetic', 2000, 'mlp', 16, 0.3, 0.4, 1]);

    // The next start offers the last run's answers first; Escape on the first question cancels.
    const count = api.store.list().length;
    fake.driveQuickInput = (i) => {
      assert.equal(i.activeItems[0]?.label, 'DCLW');
      i.cancel();
    };
    await run('dclExplorer.startRun');
    await api.store.refresh();
    assert.equal(api.store.list().length, count, 'cancelled: nothing started');
  });

  it('refuses an invalid config file with a modal error listing the problems', async () => {
    const before = api.store.list().length;
    const file = writeConfig('bad.dclrun.json', { loss: 'dcl', temprature: 0.2, batchSize: 1 });
    await run('dclExplorer.startRunFromConfig', uri(file));
    const error = lastMessage('error');
    assert.ok(error?.modal);
    assert.equal(error.text, 'bad.dclrun.json is not a valid DCL run config');
    assert.match(error.detail ?? '', /unknown field "temprature"; did you mean "temperature"\?/);
    assert.match(error.detail ?? '', /batchSize must be ≥ 2; got 1/);
    await api.store.refresh();
    assert.equal(api.store.list().length, before, 'nothing was started');
  });

  it('refuses a folder dataset whose folder fails the format check, before creating a run', async () => {
    const before = api.store.list().length;
    const file = writeConfig('cifar.dclrun.json', { loss: 'dcl', dataset: 'cifar10', dataDir: 'no/such/folder' });
    await run('dclExplorer.startRunFromConfig', uri(file));
    assert.match(lastMessage('error')?.text ?? '', /^Cannot start the run: the data folder .*no\/such\/folder does not exist/);
    await api.store.refresh();
    assert.equal(api.store.list().length, before);
  });

  it('refuses, before creating a run, the data sizes the CLI refuses and an image folder whose test folder differs', async () => {
    const before = api.store.list().length;
    const images = path.join(workspace, 'images');
    for (const c of ['cat', 'dog']) {
      fs.mkdirSync(path.join(images, c), { recursive: true });
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(images, c, `${i}.png`), 'x');
    }
    fs.mkdirSync(path.join(workspace, 'test-images', 'cat'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'test-images', 'cat', '0.png'), 'x');
    const cases: [unknown, RegExp][] = [
      [{ loss: 'dcl', dataset: 'synthetic', subset: 8, batchSize: 16 }, /^Cannot start the run: batch size 16 is larger than the 8 training images of synthetic; lower the batch size or use more data \(subset\)$/],
      [{ loss: 'dcl', dataset: 'synthetic', subset: 200000 }, /^Cannot start the run: subset 200000 is more than the synthetic dataset generates \(at most 100000\); lower subset$/],
      [{ loss: 'dcl', dataset: 'mnist', testSubset: 20000 }, /^Cannot start the run: testSubset 20000 is more than the 10000 test images of mnist; lower testSubset \(0 = all\)$/],
      // 10 images, 1 per class held out: 8 training images.
      [{ loss: 'dcl', dataset: 'imagefolder', dataDir: 'images', subset: 9, batchSize: 2 }, /^Cannot start the run: subset 9 is more than the 8 training images of imagefolder; lower subset \(0 = all\)$/],
      [{ loss: 'dcl', dataset: 'imagefolder', dataDir: 'images', batchSize: 9 }, /^Cannot start the run: batch size 9 is larger than the 8 training images of imagefolder/],
      [{ loss: 'dcl', dataset: 'imagefolder', dataDir: 'images', testDir: 'test-images', batchSize: 8 }, /^Cannot start the run: the test folder's classes differ from the image folder's \(only in .*images: "dog"\)/],
    ];
    for (const [body, expected] of cases) {
      await run('dclExplorer.startRunFromConfig', uri(writeConfig('sizes.dclrun.json', body)));
      const error = lastMessage('error')?.text ?? '';
      assert.match(error, expected, JSON.stringify(body));
      assert.doesNotMatch(error, /\n/);
    }
    await api.store.refresh();
    assert.equal(api.store.list().length, before, 'nothing was created');
  });

  it('reports a crash with the last stderr lines and offers Show log', async () => {
    process.env.FAKE_TRAINER_MODE = 'crash';
    const file = writeConfig('crash.dclrun.json', { name: 'crashy', loss: 'dcl', dataset: 'synthetic' });
    fake.messages.length = 0;
    await run('dclExplorer.startRunFromConfig', uri(file));
    const failed = await stateOf((n) => n === 'crashy', 'failed');
    const message = await waitFor('the failure notification', () => fake.messages.find((m) => m.level === 'error'));
    assert.equal(message.text, 'DCL run "crashy" failed: the trainer exited with code 3: Error: simulated crash in the fake trainer. Last output: at tick (fakeTrainer.js)');
    assert.deepEqual(message.buttons, ['Show log']);
    assert.equal(readJson<RunStatus>(path.join(failed.runDir, 'status.json')).state, 'failed');
    const item = api.runsTree.getTreeItem({ kind: 'run', runDir: failed.runDir, run: failed }) as unknown as { iconPath: { id: string } };
    assert.equal(item.iconPath.id, 'error');
  });

  it('reruns a run with the same config and announces when it finishes', async () => {
    process.env.FAKE_TRAINER_MODE = 'finish';
    const original = api.store.list().find((r) => r.config?.name === 'long');
    assert.ok(original);
    fake.messages.length = 0;
    await run('dclExplorer.rerun', { kind: 'run', runDir: original.runDir });
    const rerun = await stateOf((n) => n === 'long', 'finished');
    assert.notEqual(rerun.runDir, original.runDir);
    assert.deepEqual(readJson(path.join(rerun.runDir, 'config.json')), readJson(path.join(original.runDir, 'config.json')));
    const info = await waitFor('the finished notification', () => fake.messages.find((m) => m.level === 'info'));
    assert.match(info.text, /^DCL run "long" finished: loss 4\.500, kNN 50\.0%\.$/);
  });

  it('toggles the view between groups by state and a list by date', async () => {
    await run('dclExplorer.sortRunsByDate');
    assert.equal(fake.contextKeys.get('dclExplorer.runsViewMode'), 'date');
    const flat = api.runsTree.getChildren();
    assert.ok(flat.length >= 3 && flat.every((n) => n.kind === 'run'));
    await run('dclExplorer.groupRunsByState');
    assert.ok(api.runsTree.getChildren().every((n) => n.kind === 'group'));
  });

  it('deletes runs after a modal confirmation, and not when it is dismissed', async () => {
    const victim = api.store.list().find((r) => r.config?.name === 'crashy');
    assert.ok(victim);
    fake.answer = () => undefined;
    await run('dclExplorer.deleteRun', { kind: 'run', runDir: victim.runDir });
    assert.ok(fs.existsSync(victim.runDir), 'dismissed: kept');
    const confirm = lastMessage('warning');
    assert.equal(confirm?.modal, true);
    assert.equal(confirm?.text, 'Delete the DCL run "crashy"?');
    fake.answer = (m) => (m.buttons.includes('Move to Trash') ? 'Move to Trash' : undefined);
    await run('dclExplorer.deleteRun', { kind: 'run', runDir: victim.runDir });
    assert.equal(fs.existsSync(victim.runDir), false);
    assert.equal(api.store.get(victim.runDir), undefined);
    fake.answer = () => undefined;
  });

  it('does not start runs in an untrusted workspace and says why', async () => {
    fake.trusted = false;
    try {
      const before = api.store.list().length;
      const file = writeConfig('ok.dclrun.json', { loss: 'dcl', dataset: 'synthetic' });
      await run('dclExplorer.startRunFromConfig', uri(file));
      await run('dclExplorer.startRun');
      const warnings = fake.messages.filter((m) => m.level === 'warning' && /untrusted workspace/.test(m.text));
      assert.equal(warnings.length, 2);
      assert.deepEqual(warnings[0].buttons, ['Manage Workspace Trust']);
      await api.store.refresh();
      assert.equal(api.store.list().length, before);
    } finally {
      fake.trusted = true;
    }
  });

  it('stops its running trainers on deactivate', async () => {
    process.env.FAKE_TRAINER_MODE = 'forever';
    const file = writeConfig('last.dclrun.json', { name: 'last', loss: 'dcl', dataset: 'synthetic' });
    await run('dclExplorer.startRunFromConfig', uri(file));
    const running = await stateOf((n) => n === 'last', 'running');
    await ext.deactivate();
    assert.equal(readJson<RunStatus>(path.join(running.runDir, 'status.json')).state, 'stopped');
  });
});
