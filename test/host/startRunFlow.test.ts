import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Answer, PickItem, Prompter, StepFrame } from '../../src/host/flow/prompter';
import { runStartFlow, type StartFlowOptions } from '../../src/host/flow/startRunFlow';
import type { FolderCheck } from '../../src/host/datasets/datasetFolderCheck';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import type { DatasetKind, RunConfig } from '../../src/shared/protocol';

/** One UI interaction the flow makes, as the scripted prompter saw it. */
type Call =
  | { type: 'pick'; frame: StepFrame; placeholder: string; labels: string[]; active?: string; items: PickItem<unknown>[] }
  | { type: 'input'; frame: StepFrame; prompt: string; value: string; validate: (t: string) => string | undefined }
  | { type: 'folder'; defaultPath?: string }
  | { type: 'problem'; message: string };

type Reply = Answer<unknown> | string | undefined;

/** Replies to each call in turn; a string reply to a pick chooses the item with that label. */
class ScriptedPrompter implements Prompter {
  readonly calls: Call[] = [];
  constructor(private readonly replies: ((call: Call) => Reply)[]) {}

  private next(call: Call): Reply {
    this.calls.push(call);
    const reply = this.replies.shift();
    if (!reply) throw new Error(`unexpected ${call.type} call: ${JSON.stringify(call)}`);
    return reply(call);
  }

  async pick<T>(frame: StepFrame, o: { placeholder: string; items: PickItem<T>[]; active?: (v: T) => boolean }): Promise<Answer<T>> {
    const active = o.active ? o.items.find((i) => o.active?.(i.value))?.label : undefined;
    const call: Call = { type: 'pick', frame, placeholder: o.placeholder, labels: o.items.map((i) => i.label), active, items: o.items };
    const reply = this.next(call);
    if (typeof reply === 'string') {
      const item = o.items.find((i) => i.label === reply);
      if (!item) throw new Error(`no item "${reply}" in ${call.labels.join(', ')}`);
      return { kind: 'value', value: item.value };
    }
    return reply as Answer<T>;
  }

  async input(frame: StepFrame, o: { prompt: string; value: string; validate: (t: string) => string | undefined }): Promise<Answer<string>> {
    const reply = this.next({ type: 'input', frame, prompt: o.prompt, value: o.value, validate: o.validate });
    return typeof reply === 'string' ? { kind: 'value', value: reply } : (reply as Answer<string>);
  }

  async pickFolder(o: { title: string; defaultPath?: string }): Promise<string | undefined> {
    return this.next({ type: 'folder', defaultPath: o.defaultPath }) as string | undefined;
  }

  async showProblem(message: string): Promise<void> {
    this.next({ type: 'problem', message });
  }
}

const back: Reply = { kind: 'back' };
const cancel: Reply = { kind: 'cancel' };
const accept = (call: Call): Reply => (call.type === 'input' ? call.value : call.type === 'pick' ? call.active : undefined);

function options(defaults: Partial<RunConfig> = {}, check?: (kind: DatasetKind, dir: string, o?: { testDir?: string }) => FolderCheck): StartFlowOptions {
  return {
    title: 'Start DCL run',
    defaults: { ...DEFAULT_RUN_CONFIG, name: 'old name', ...defaults },
    // The built-in sets need no folder: the flow asks their counts with an empty one.
    checkFolder: async (kind, dir, o) => (dir === '' ? undefined : check?.(kind, dir, o)) ?? { ok: true, folder: dir, summary: 'ok' },
    resolvePath: (p) => path.resolve('/ws', p),
    storePath: (abs) => (abs.startsWith('/ws/') ? abs.slice(4) : abs),
  };
}

describe('the start-run flow', () => {
  it('asks loss, dataset, encoder, batch size, temperature, epochs, evaluation with the defaults preselected', async () => {
    const p = new ScriptedPrompter([() => 'InfoNCE', accept, accept, () => 'resnet18', () => '128', () => '0.5', () => '3', accept]);
    const config = await runStartFlow(p, options());
    assert.ok(config);
    assert.equal(config.loss, 'infonce');
    assert.equal(config.dataset, 'mnist');
    assert.equal(config.encoder, 'resnet18');
    assert.equal(config.batchSize, 128);
    assert.equal(config.temperature, 0.5);
    assert.equal(config.epochs, 3);
    assert.equal(config.name, undefined, 'the old name described other parameters');
    assert.deepEqual(config.optimizer, DEFAULT_RUN_CONFIG.optimizer);
    const picks = p.calls.filter((c): c is Extract<Call, { type: 'pick' }> => c.type === 'pick');
    assert.deepEqual(picks.map((c) => c.active), ['DCL', 'MNIST', 'All training images', 'cnn', 'kNN accuracy only']);
    assert.equal(config.subset, 0);
    assert.equal(config.eval.linear, false);
    assert.deepEqual(p.calls.map((c) => ('frame' in c ? `${c.frame.step}/${c.frame.totalSteps}` : c.type)), ['1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    assert.equal(p.calls[0].type === 'pick' && p.calls[0].frame.canGoBack, false);
    assert.equal(p.calls[1].type === 'pick' && p.calls[1].frame.canGoBack, true);
  });

  it('adds the σ step for DCLW', async () => {
    const p = new ScriptedPrompter([() => 'DCLW', accept, accept, accept, accept, accept, () => '0.25', accept, accept]);
    const config = await runStartFlow(p, options());
    assert.equal(config?.sigma, 0.25);
    // The count follows the answers: 8 while the default loss (DCL) is selected, 9 once DCLW is chosen.
    assert.deepEqual(p.calls.map((c) => ('frame' in c ? c.frame.totalSteps : 0)), [8, 9, 9, 9, 9, 9, 9, 9, 9]);
    const sigmaCall = p.calls[6];
    assert.equal(sigmaCall.type === 'input' && /σ/.test(sigmaCall.prompt), true);
  });

  it('goes back step by step keeping the answers given, and Back on the first step stays there', async () => {
    const p = new ScriptedPrompter([
      () => back, // Back on step 1: nothing before it
      () => 'DCL',
      () => 'Synthetic',
      () => 'First 2 000',
      () => 'mlp',
      () => '64',
      () => back, // from temperature to batch size
      (c) => {
        assert.equal(c.type === 'input' && c.value, '64', 'the batch size typed before is kept');
        return back;
      },
      (c) => {
        assert.equal(c.type === 'pick' && c.active, 'mlp');
        return 'cnn';
      },
      () => '32',
      () => '0.2',
      () => '2',
      accept,
    ]);
    const config = await runStartFlow(p, options());
    assert.ok(config);
    assert.equal(config.dataset, 'synthetic');
    assert.equal(config.subset, 2000);
    assert.equal(config.encoder, 'cnn');
    assert.equal(config.batchSize, 32);
    assert.equal(config.epochs, 2);
  });

  it('returns undefined when cancelled', async () => {
    const p = new ScriptedPrompter([() => 'DCL', () => cancel]);
    assert.equal(await runStartFlow(p, options()), undefined);
  });

  it('validates typed numbers with the same rules as config files', async () => {
    let validate: ((t: string) => string | undefined) | undefined;
    const p = new ScriptedPrompter([accept, accept, accept, accept, (c) => {
      if (c.type === 'input') validate = c.validate;
      return cancel;
    }]);
    await runStartFlow(p, options());
    assert.ok(validate);
    assert.equal(validate('1'), 'This must be ≥ 2');
    assert.equal(validate('many'), '"many" is not a number');
    assert.equal(validate('512'), undefined);
  });

  it('picks a dataset folder, checks it, and stores it relative to the workspace', async () => {
    const checked: string[] = [];
    const p = new ScriptedPrompter([accept, () => 'CIFAR-10 folder…', () => '/ws/data/cifar', accept, accept, accept, accept, accept, accept]);
    const config = await runStartFlow(p, options({}, (kind, dir) => {
      checked.push(`${kind}:${dir}`);
      return { ok: true, folder: `${dir}/cifar-10-batches-bin`, summary: 'CIFAR-10' };
    }));
    assert.deepEqual(checked, ['cifar10:/ws/data/cifar']);
    assert.equal(config?.dataset, 'cifar10');
    assert.equal(config?.dataDir, 'data/cifar/cifar-10-batches-bin');
  });

  it('shows why a folder is refused and asks for the dataset again; a dismissed dialog also asks again', async () => {
    const p = new ScriptedPrompter([
      accept,
      () => 'STL-10 folder…',
      () => undefined, // dialog dismissed
      () => 'STL-10 folder…',
      () => '/ws/wrong',
      (c) => {
        assert.equal(c.type === 'problem' && c.message, 'no stl10 files in /ws/wrong');
        return undefined;
      },
      () => 'Synthetic',
      accept, accept, accept, accept, accept, accept,
    ]);
    const config = await runStartFlow(p, options({}, (kind, dir) => ({ ok: false, problem: `no ${kind} files in ${dir}` })));
    assert.equal(config?.dataset, 'synthetic');
    assert.equal(config?.dataDir, undefined);
    assert.deepEqual(p.calls.slice(1, 7).map((c) => c.type), ['pick', 'folder', 'pick', 'folder', 'problem', 'pick']);
  });

  it('offers the previous folder as its own preselected item (rerun with changes) and rechecks it', async () => {
    const checked: string[] = [];
    const p = new ScriptedPrompter([accept, accept, accept, accept, accept, accept, accept, accept]);
    const config = await runStartFlow(p, options({ dataset: 'cifar100', dataDir: 'data/c100' }, (kind, dir) => {
      checked.push(dir);
      return { ok: true, folder: dir, summary: 'ok' };
    }));
    const datasetCall = p.calls[1];
    assert.equal(datasetCall.type === 'pick' && datasetCall.active, 'CIFAR-100 in data/c100');
    assert.deepEqual(checked, ['/ws/data/c100']);
    assert.equal(config?.dataDir, 'data/c100');
  });

  it('asks how many training images: presets, a typed number (validated, with Back), and the previous size kept', async () => {
    let validate: ((t: string) => string | undefined) | undefined;
    const p = new ScriptedPrompter([
      accept,
      accept,
      () => 'Custom…',
      (c) => {
        assert.equal(c.type === 'input' && c.frame.totalSteps, 9, 'the typed size is one more step');
        if (c.type === 'input') validate = c.validate;
        return back;
      },
      () => 'Custom…',
      () => '3000',
      accept,
      accept,
      accept,
      accept,
      accept,
    ]);
    const config = await runStartFlow(p, options());
    assert.equal(config?.subset, 3000);
    assert.ok(validate);
    assert.equal(validate('0'), 'This must be a whole number 1 or more');
    assert.equal(validate('12.5'), 'This must be a whole number 1 or more');
    assert.equal(validate('1500'), undefined);

    // A rerun offers its own size, preselected, and keeps it.
    const again = new ScriptedPrompter([accept, accept, accept, accept, accept, accept, accept, accept]);
    const rerun = await runStartFlow(again, options({ dataset: 'synthetic', subset: 3000 }));
    const subsetCall = again.calls[2];
    assert.equal(subsetCall.type === 'pick' && subsetCall.active, 'First 3 000');
    assert.equal(subsetCall.type === 'pick' && subsetCall.items[0].description, '5 000 images');
    assert.equal(rerun?.subset, 3000);
  });

  const imageCheck = (calls: string[]) => (kind: DatasetKind, dir: string, o?: { testDir?: string }): FolderCheck => {
    calls.push(`${kind}:${dir}${o?.testDir ? ` test=${o.testDir}` : ''}`);
    if (o?.testDir?.includes('mismatch')) return { ok: false, problem: `the test folder's classes differ from the image folder's (only in ${dir}: "b")` };
    return o?.testDir
      ? { ok: true, folder: dir, summary: 'image folder: 2 classes, 20 images (20 training and 4 test images, from …)', counts: { train: 20, test: 4 }, classes: ['a', 'b'] }
      : { ok: true, folder: dir, summary: 'image folder: 2 classes, 20 images (18 training and 2 test images: a seeded 10 % split per class)', counts: { train: 18, test: 2 }, classes: ['a', 'b'] };
  };

  it('an image folder asks the folder, the image size (custom within the field limits) and a test folder, then checks sizes', async () => {
    const checked: string[] = [];
    let sizeValidate: ((t: string) => string | undefined) | undefined;
    let batchValidate: ((t: string) => string | undefined) | undefined;
    const p = new ScriptedPrompter([
      accept,
      () => 'Image folder…',
      (c) => {
        assert.equal(c.type, 'folder');
        return '/ws/imgs';
      },
      (c) => {
        assert.ok(c.type === 'pick');
        assert.equal(c.placeholder, 'Image size (2 classes: 18 training and 2 test images)');
        assert.deepEqual(c.labels, ['32 × 32', '64 × 64', '96 × 96', '224 × 224', 'Custom…']);
        assert.equal(c.active, '32 × 32', 'the default size');
        return 'Custom…';
      },
      (c) => {
        assert.ok(c.type === 'input');
        assert.equal(c.frame.totalSteps, 11, '8 + image size + typed size + test folder');
        sizeValidate = c.validate;
        return '48';
      },
      (c) => {
        assert.ok(c.type === 'pick');
        assert.deepEqual(c.labels, ['Seeded 10 % split of the training folder', 'Test folder…']);
        assert.equal(c.active, 'Seeded 10 % split of the training folder');
        return 'Test folder…';
      },
      (c) => {
        assert.equal(c.type === 'folder' && c.defaultPath, '/ws/imgs');
        return '/ws/imgs-test';
      },
      (c) => {
        assert.ok(c.type === 'pick');
        assert.deepEqual(c.labels, ['All training images', 'Custom…'], 'no preset beyond the 20 images');
        assert.equal(c.items[0].description, '20 images');
        return 'All training images';
      },
      accept,
      (c) => {
        if (c.type === 'input') batchValidate = c.validate;
        return '16';
      },
      accept,
      accept,
      (c) => {
        assert.ok(c.type === 'pick');
        assert.equal(c.placeholder, 'After the last epoch');
        return 'Linear evaluation after the last epoch';
      },
    ]);
    const config = await runStartFlow(p, options({}, imageCheck(checked)));
    assert.ok(config);
    assert.equal(config.dataset, 'imagefolder');
    assert.equal(config.dataDir, 'imgs');
    assert.equal(config.testDir, 'imgs-test');
    assert.equal(config.imageSize, 48);
    assert.equal(config.batchSize, 16);
    assert.equal(config.eval.linear, true);
    assert.deepEqual(checked, ['imagefolder:/ws/imgs', 'imagefolder:/ws/imgs test=/ws/imgs-test']);
    assert.ok(sizeValidate && batchValidate);
    // The field table's limits, in its words (the same as a config file's).
    assert.equal(sizeValidate('4'), 'This must be ≥ 8');
    assert.equal(sizeValidate('600'), 'This must be ≤ 512');
    assert.match(sizeValidate('40.5') ?? '', /whole number/);
    assert.equal(sizeValidate('48'), undefined);
    assert.equal(batchValidate('21'), 'Batch size 21 is larger than the 20 training images of imagefolder; lower the batch size or use more data (subset)');
    assert.equal(batchValidate('20'), undefined);
  });

  it('image folder: Back keeps the answers, a refused test folder asks again, the split drops testDir', async () => {
    const checked: string[] = [];
    let subsetValidate: ((t: string) => string | undefined) | undefined;
    const p = new ScriptedPrompter([
      accept,
      () => 'Image folder…',
      () => '/ws/imgs',
      () => '64 × 64',
      () => back, // test folder → image size
      (c) => {
        assert.equal(c.type === 'pick' && c.active, '64 × 64', 'the size chosen before is kept');
        return '96 × 96';
      },
      () => 'Test folder…',
      () => '/ws/mismatch',
      (c) => {
        assert.equal(c.type === 'problem' && c.message, 'the test folder\'s classes differ from the image folder\'s (only in /ws/imgs: "b")');
        return undefined;
      },
      (c) => {
        assert.equal(c.type === 'pick' && c.placeholder, 'Test images for kNN (2 classes: 18 training and 2 test images)', 'the test folder is asked again');
        return 'Seeded 10 % split of the training folder';
      },
      () => 'Custom…',
      (c) => {
        if (c.type === 'input') subsetValidate = c.validate;
        return '10';
      },
      accept,
      () => '8',
      accept,
      accept,
      accept,
    ]);
    const config = await runStartFlow(p, options({ testDir: undefined }, imageCheck(checked)));
    assert.ok(config);
    assert.equal(config.imageSize, 96);
    assert.equal(config.testDir, undefined);
    assert.equal(config.subset, 10);
    assert.ok(subsetValidate);
    assert.equal(subsetValidate('19'), 'Subset 19 is more than the 18 training images of imagefolder; lower subset (0 = all)');
    assert.equal(subsetValidate('18'), undefined);
  });

  it('a rerun of an image-folder run offers its folder, size and test folder, and checks them together', async () => {
    const checked: string[] = [];
    const p = new ScriptedPrompter([
      accept,
      (c) => {
        assert.equal(c.type === 'pick' && c.active, 'Image folder in imgs');
        return accept(c);
      },
      (c) => {
        assert.equal(c.type === 'pick' && c.active, '224 × 224');
        return accept(c);
      },
      (c) => {
        assert.equal(c.type === 'pick' && c.active, 'Test folder imgs-test');
        return accept(c);
      },
      accept,
      accept,
      () => '8',
      accept,
      accept,
      accept,
    ]);
    const config = await runStartFlow(p, options({ dataset: 'imagefolder', dataDir: 'imgs', testDir: 'imgs-test', imageSize: 224, eval: { linear: true } }, imageCheck(checked)));
    assert.deepEqual(checked, ['imagefolder:/ws/imgs test=/ws/imgs-test', 'imagefolder:/ws/imgs test=/ws/imgs-test']);
    assert.equal(config?.testDir, 'imgs-test');
    assert.equal(config?.imageSize, 224);
    assert.equal(config?.eval.linear, true, 'the evaluation choice is kept');

    // Another dataset drops the image folder's testDir.
    const other = new ScriptedPrompter([accept, () => 'MNIST', accept, accept, () => '8', accept, accept, accept]);
    const mnist = await runStartFlow(other, options({ dataset: 'imagefolder', dataDir: 'imgs', testDir: 'imgs-test' }, imageCheck([])));
    assert.equal(mnist?.dataset, 'mnist');
    assert.equal(mnist?.dataDir, undefined);
    assert.equal(mnist?.testDir, undefined);
  });
});
