// Bundles the three kinds of entry points with esbuild:
//  - the extension host (CommonJS, `vscode` external, never TensorFlow.js),
//  - the trainer child process and the CLI (Node; @tensorflow/* stay external so native backends load),
//  - the webview scripts (browser, IIFE).
// Tests and benchmarks are bundled like the trainer into dist-test/ and dist/.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
// `--tests=A,B` builds only tests whose path contains A or B, `--test-outdir=DIR` puts them elsewhere (parallel work).
const argValue = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
// `--no-tests` builds only what ships (the .vsix's prepublish): a filter no path contains, so dist-test/ is left alone.
const testFilter = process.argv.includes('--no-tests') ? '\0' : argValue('tests');
const testOutdir = argValue('test-outdir') ?? 'dist-test';
const root = new URL('..', import.meta.url).pathname;

function walk(dir, pred) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, pred) : pred(p) ? [p] : [];
  });
}

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

const configs = [];

if (existsSync(join(root, 'src/extension.ts'))) {
  configs.push({
    ...nodeCommon,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
    // The host must stay light: fail the build if TensorFlow.js sneaks in.
    plugins: [{
      name: 'no-tfjs-in-host',
      setup(b) {
        b.onResolve({ filter: /^@tensorflow\// }, (args) => ({
          errors: [{ text: `extension host must not import ${args.path} (imported by ${args.importer})` }],
        }));
      },
    }],
  });
}

const trainerEntries = { cli: 'src/cli/main.ts' };
if (existsSync(join(root, 'src/trainer/child.ts'))) trainerEntries.trainer = 'src/trainer/child.ts';
if (existsSync(join(root, 'bench/main.ts'))) trainerEntries.bench = 'bench/main.ts';
configs.push({
  ...nodeCommon,
  entryPoints: trainerEntries,
  outdir: 'dist',
  external: ['@tensorflow/*', 'vscode'],
});

const webviewEntries = walk(join(root, 'webview'), (p) => /[\\/]main\.ts$/.test(p));
if (webviewEntries.length) {
  configs.push({
    entryPoints: Object.fromEntries(webviewEntries.map((p) => [p.split(/[\\/]/).slice(-2, -1)[0], p])),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    outdir: 'dist/webview',
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
}

const tests = walk(join(root, 'test'), (p) => p.endsWith('.test.ts') && (!testFilter || testFilter.split(',').some((f) => p.includes(f))));
if (tests.length) {
  configs.push({
    ...nodeCommon,
    entryPoints: tests,
    outdir: testOutdir,
    outbase: 'test',
    external: ['@tensorflow/*', 'vscode', 'playwright-core', 'mocha'],
  });
}

// Browser pages of real-browser tests (`test/**/*.page.ts`, beside the tests that load them): IIFE bundles
// for Chromium. Node builtins the trainer's Node-only paths import resolve to a shim that says they are absent.
const testDirs = new Set(tests.map((t) => join(t, '..')));
const pages = walk(join(root, 'test'), (p) => p.endsWith('.page.ts') && testDirs.has(join(p, '..')));
if (pages.length) {
  configs.push({
    entryPoints: pages,
    outdir: testOutdir,
    outbase: 'test',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: root,
    define: { __filename: '"/browser-page.js"', __dirname: '"/"' },
    // The shim exports only what runs at load; the rest is reached lazily and is meant to be absent.
    logOverride: { 'import-is-undefined': 'silent' },
    plugins: [{
      name: 'node-builtins-absent',
      setup(b) {
        b.onResolve({ filter: /^node:/ }, () => ({ path: join(root, 'test/webgpu/nodeBuiltinsShim.mjs') }));
      },
    }],
  });
}

// The @vscode/test-electron runner (not a node:test file): `npm test` runs it after the unit tests.
if (!testFilter && existsSync(join(root, 'test/integration/runTest.ts'))) {
  configs.push({
    ...nodeCommon,
    entryPoints: { 'integration/runTest': 'test/integration/runTest.ts' },
    outdir: testOutdir,
    external: ['@tensorflow/*', 'vscode', 'mocha', 'esbuild', '@vscode/test-electron'],
  });
}

// The trainer compiles its native kernels from C source at run time (src/trainer/native/compileNative.ts),
// so the source travels beside the bundle, also into the .vsix.
const nativeSource = join(root, 'src/trainer/native/fast_kernels.c');
if (existsSync(nativeSource)) {
  mkdirSync(join(root, 'dist/native'), { recursive: true });
  copyFileSync(nativeSource, join(root, 'dist/native/fast_kernels.c'));
}

if (!watch && !testFilter) {
  rmSync(join(root, testOutdir), { recursive: true, force: true });
}
if (watch) {
  const ctxs = await Promise.all(configs.map((c) => esbuild.context(c)));
  await Promise.all(ctxs.map((c) => c.watch()));
  console.log('esbuild: watching for changes…');
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
