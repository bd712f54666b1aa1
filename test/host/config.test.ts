import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readHostSettings, runDefaultsFromSettings, trainerEnvironment, DEFAULT_HOST_SETTINGS } from '../../src/host/config/hostSettings';
import { parseRunConfigText } from '../../src/host/config/parseConfigText';
import { formatConfigProblems, resolveRunConfig } from '../../src/host/config/resolveRunConfig';
import { parseTypedNumber, validateTypedNumber, checkTemperature, checkBatchSize } from '../../src/host/config/validators';
import { resolveAgainst, storedPath } from '../../src/host/config/workspacePaths';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import type { RunConfig } from '../../src/shared/protocol';
import { badConfigText, seededRng } from '../helpers/configFuzz';

const defaults: RunConfig = { ...DEFAULT_RUN_CONFIG, batchSize: 64, temperature: 0.2 };

function problemsOf(input: unknown): string[] {
  const r = resolveRunConfig(input, defaults);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.problems;
}

describe('resolveRunConfig', () => {
  it('fills missing fields from the given defaults and merges nested objects field by field', () => {
    const r = resolveRunConfig({ loss: 'dclw', optimizer: { lr: 0.01 }, knn: { k: 20 } }, defaults);
    assert.ok(r.ok);
    assert.equal(r.config.loss, 'dclw');
    assert.equal(r.config.batchSize, 64);
    assert.equal(r.config.temperature, 0.2);
    assert.deepEqual(r.config.optimizer, { ...DEFAULT_RUN_CONFIG.optimizer, lr: 0.01 });
    assert.deepEqual(r.config.knn, { ...DEFAULT_RUN_CONFIG.knn, k: 20 });
  });

  it('requires loss and names the allowed values', () => {
    assert.deepEqual(problemsOf({ batchSize: 32 }), ['"loss" is required: set it to one of "infonce", "dcl", "dclw"']);
  });

  it('rejects unknown fields with a suggestion for misplaced or miscased ones', () => {
    const problems = problemsOf({ loss: 'dcl', lr: 0.1, BatchSize: 3, colour: 'red' });
    assert.equal(problems.length, 3);
    assert.match(problems[0], /unknown field "lr"; did you mean "optimizer\.lr"\?/);
    assert.match(problems[1], /unknown field "BatchSize"; did you mean "batchSize"\?/);
    assert.match(problems[2], /unknown field "colour"; allowed fields here: name, loss,/);
    assert.match(problemsOf({ loss: 'dcl', knn: { K: 3 } })[0], /unknown field "knn\.K"; did you mean "knn\.k"\?/);
    assert.match(problemsOf({ loss: 'dcl', temprature: 0.2 })[0], /unknown field "temprature"; did you mean "temperature"\?/);
    assert.match(problemsOf({ loss: 'dcl', optimizer: { shedule: 'cosine' } })[0], /did you mean "optimizer\.schedule"\?/);
  });

  it('reports every bad value with what is allowed', () => {
    const problems = problemsOf({ loss: 'simclr', temperature: 0, batchSize: 1.5, encoder: 'vit', optimizer: 'adam', projection: [] });
    // In the field table's order and words, the same the CLI and the trainer use.
    assert.deepEqual(problems, [
      'loss must be one of infonce, dcl, dclw; got "simclr"',
      'temperature must be ≥ 0.001; got 0',
      'encoder must be one of mlp, cnn, resnet18; got "vit"',
      'projection must be a list of 1 to 16 entries; got []',
      'batchSize must be a whole number; got 1.5',
      'optimizer must be an object with the fields kind, lr, momentum, weightDecay, warmupEpochs, schedule; got "adam"',
    ]);
  });

  it('requires dataDir for folder datasets and drops a default dataDir when the dataset changes', () => {
    assert.match(problemsOf({ loss: 'dcl', dataset: 'cifar10' })[0], /dataset "cifar10" is read from a folder: add "dataDir"/);
    const withFolder: RunConfig = { ...defaults, dataset: 'cifar10', dataDir: 'data/cifar' };
    const r = resolveRunConfig({ loss: 'dcl', dataset: 'mnist' }, withFolder);
    assert.ok(r.ok);
    assert.equal(r.config.dataDir, undefined);
    const same = resolveRunConfig({ loss: 'dcl' }, withFolder);
    assert.ok(same.ok);
    assert.equal(same.config.dataDir, 'data/cifar');
  });

  it('ignores $schema, drops an empty name, and rejects non-objects', () => {
    const r = resolveRunConfig({ $schema: './schemas/dclrun.schema.json', loss: 'dcl', name: '  ' }, defaults);
    assert.ok(r.ok);
    assert.equal('$schema' in r.config, false);
    assert.equal(r.config.name, undefined);
    assert.match(problemsOf([1, 2])[0], /must be a JSON object/);
    assert.match(problemsOf(null)[0], /must be a JSON object/);
  });

  it('formats problems as one block naming the source', () => {
    assert.equal(formatConfigProblems('a.dclrun.json', ['x', 'y']), 'a.dclrun.json is not a valid DCL run config:\n• x\n• y');
  });
});

describe('parseRunConfigText', () => {
  it('locates JSON syntax errors by line and column', () => {
    const r = parseRunConfigText('{\n  "loss": "dcl",\n}', defaults);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems[0], /^invalid JSON at line 3, column 1: .*comments and trailing commas are not allowed/);
  });

  it('explains an empty file and passes valid text through the config checks', () => {
    const empty = parseRunConfigText('  \n', defaults);
    assert.deepEqual(empty.ok ? [] : empty.problems, ['the file is empty: write a JSON object such as {"loss": "dcl"}']);
    const ok = parseRunConfigText('{"loss": "infonce", "epochs": 3}', defaults);
    assert.ok(ok.ok);
    assert.equal(ok.config.epochs, 3);
  });
});

describe('settings', () => {
  it('uses set values and falls back to the default for bad ones, naming the setting', () => {
    const values: Record<string, unknown> = { loss: 'dclw', batchSize: 0, 'knn.k': 50, nodePath: 42, maxConcurrentRuns: 3 };
    const { settings, problems } = readHostSettings((k) => values[k]);
    assert.equal(settings.loss, 'dclw');
    assert.equal(settings.knnK, 50);
    assert.equal(settings.maxConcurrentRuns, 3);
    assert.equal(settings.batchSize, DEFAULT_HOST_SETTINGS.batchSize);
    assert.equal(settings.nodePath, '');
    assert.deepEqual(problems, [
      'Setting "dclExplorer.batchSize" must be ≥ 2; got 0; using the default 256 until you fix it.',
      'Setting "dclExplorer.nodePath" must be a string; got 42; using the default "" until you fix it.',
    ]);
  });

  it('passes dclExplorer.wasmThreads (or a share of the cores per concurrent run) to local trainers as DCL_WASM_THREADS', () => {
    const base = { PATH: '/bin' };
    assert.equal(trainerEnvironment({ wasmThreads: 0, maxConcurrentRuns: 1 }, base, 8), base);
    assert.deepEqual(trainerEnvironment({ wasmThreads: 3, maxConcurrentRuns: 1 }, base, 8), { PATH: '/bin', DCL_WASM_THREADS: '3' });
    assert.deepEqual(trainerEnvironment({ wasmThreads: 3, maxConcurrentRuns: 4 }, base, 8), { PATH: '/bin', DCL_WASM_THREADS: '3' }, 'the cap wins');
    // Concurrent runs share the cores out, at least one thread each; a DCL_WASM_THREADS the editor has is kept.
    assert.deepEqual(trainerEnvironment({ wasmThreads: 0, maxConcurrentRuns: 3 }, base, 8), { PATH: '/bin', DCL_WASM_THREADS: '2' });
    assert.deepEqual(trainerEnvironment({ wasmThreads: 0, maxConcurrentRuns: 4 }, base, 2), { PATH: '/bin', DCL_WASM_THREADS: '1' });
    assert.deepEqual(trainerEnvironment({ wasmThreads: 0, maxConcurrentRuns: 2 }, { DCL_WASM_THREADS: '5' }, 8), { DCL_WASM_THREADS: '5' });
    const { settings, problems } = readHostSettings((k) => (k === 'wasmThreads' ? 1.5 : undefined));
    assert.equal(settings.wasmThreads, 0);
    assert.match(problems[0], /dclExplorer\.wasmThreads/);
  });

  it('turns settings into run defaults', () => {
    const config = runDefaultsFromSettings({ ...DEFAULT_HOST_SETTINGS, runsDirectory: 'runs', knnT: 0.5, encoder: 'mlp' });
    assert.equal(config.runsDir, 'runs');
    assert.equal(config.knn.t, 0.5);
    assert.equal(config.encoder, 'mlp');
    assert.deepEqual(config.optimizer, DEFAULT_RUN_CONFIG.optimizer);
  });
});

describe('typed numbers and paths', () => {
  it('parses only numbers, not empty text or words', () => {
    assert.equal(parseTypedNumber(' 0.5 '), 0.5);
    assert.equal(parseTypedNumber('1e-3'), 0.001);
    assert.equal(parseTypedNumber(''), undefined);
    assert.equal(parseTypedNumber('0x10'), undefined);
    assert.equal(parseTypedNumber('12abc'), undefined);
  });

  it('validates input-box text with a readable message', () => {
    assert.equal(validateTypedNumber('0.1', checkTemperature), undefined);
    assert.equal(validateTypedNumber('-1', checkTemperature), 'This must be ≥ 0.001');
    assert.equal(validateTypedNumber('abc', checkBatchSize), '"abc" is not a number');
    assert.equal(validateTypedNumber('3.5', checkBatchSize), 'This must be a whole number');
  });

  it('stores paths inside the workspace relative with forward slashes, others absolute', () => {
    assert.equal(storedPath('/ws', '/ws/data/cifar'), 'data/cifar');
    assert.equal(storedPath('/ws', '/elsewhere/cifar'), '/elsewhere/cifar');
    assert.equal(storedPath(undefined, '/x'), '/x');
    assert.equal(resolveAgainst('/ws', 'data/cifar'), '/ws/data/cifar');
    assert.equal(resolveAgainst(undefined, 'data'), undefined);
    assert.equal(resolveAgainst(undefined, '/abs/data'), '/abs/data');
  });
});

/** Issue 18 on the extension host's config path: the same refusals as the CLI, each problem one bounded line. */
describe('the host refuses bad configs as the CLI does (issue 18)', () => {
  function refused(text: string): string[] {
    const r = parseRunConfigText(text, defaults);
    assert.equal(r.ok, false, `accepted: ${text.slice(0, 100)}`);
    const problems = r.ok ? [] : r.problems;
    assert.ok(problems.length >= 1);
    for (const p of problems) {
      assert.doesNotMatch(p, /\n/);
      assert.ok(p.length <= 500, `${p.length} characters: ${p.slice(0, 200)}`);
      assert.doesNotMatch(p, /Maximum call stack|RangeError|TypeError/);
    }
    const block = formatConfigProblems('a.dclrun.json', problems);
    assert.ok(block.split('\n').length <= 10, block.slice(0, 500));
    return problems;
  }

  it('a file that is not a JSON object', () => {
    for (const text of ['[]', 'null', '0', '""', 'true']) assert.match(refused(text)[0], /must be a JSON object/, text);
  });

  it('prototype keys, top level and nested, are refused rather than dropped', () => {
    assert.match(refused('{"loss": "dcl", "__proto__": {"epochs": 1}}')[0], /field "__proto__" is not allowed/);
    assert.match(refused('{"loss": "dcl", "constructor": 1}')[0], /field "constructor" is not allowed/);
    assert.match(refused('{"loss": "dcl", "optimizer": {"__proto__": {"lr": 1}}}')[0], /field "optimizer\.__proto__" is not allowed/);
  });

  it('deep, huge and float32-overflowing values get short problems', () => {
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    assert.match(refused(`{"loss": "dcl", "name": ${deep}}`)[0], /^name must be a string; got \{"a": \{"a": \{…\}\}\}$/);
    assert.match(refused(deep)[0], /^unknown field "a"/);
    assert.match(refused(JSON.stringify({ loss: 'x'.repeat(10_000_000) }))[0], /^loss must be one of .*; got "x{59}…$/);
    assert.match(refused(JSON.stringify({ loss: 'dcl', projection: Array<number>(1_000_000).fill(8) }))[0], /^projection must be a list of 1 to 16 entries; got \[8, 8, 8, 8, … \(1000000 entries\)\]$/);
    assert.deepEqual(refused('{"loss": "dcl", "epochs": 1e308, "knn": {"t": 1e-300}}'), ['epochs must be ≤ 10000; got 1e+308', 'knn.t must be ≥ 0.01; got 1e-300']);
    assert.equal(refused(JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])))).length, 3);
  });

  it('merges embeddings field by field over the defaults, like the CLI', () => {
    const r = resolveRunConfig({ loss: 'dcl', embeddings: { maxPoints: 5 } }, { ...defaults, embeddings: { layers: ['projection'], maxPoints: 1, keepLast: 7 } });
    assert.ok(r.ok);
    assert.deepEqual(r.config.embeddings, { layers: ['projection'], maxPoints: 5, keepLast: 7 });
  });

  it('300 seeded bad configs (the generator of the CLI fuzz test): each refused in short single-line problems', () => {
    const rng = seededRng(1818);
    for (let i = 0; i < 300; i++) refused(badConfigText(rng, '.dcl/runs'));
  });
});
