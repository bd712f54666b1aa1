/**
 * Runs the integration suite inside a real VS Code with this extension under development.
 *
 * This machine may not download VS Code, so it only uses one that is already there (see findVsCode.ts);
 * without one it prints "skipped: …" and exits 0, so `npm test` still passes on such machines.
 * Build and run (from the repository root, after `npm run build`):
 *   npx esbuild test/integration/runTest.ts --bundle --platform=node --format=cjs --packages=external \
 *     --outfile=dist-test/integration/runTest.js && node dist-test/integration/runTest.js
 * It compiles the suite itself (test/integration/suite → dist-test/integration/suite).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { findVsCode } from './findVsCode';

function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dcl-explorer') return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the dcl-explorer repository root above ' + __dirname);
  }
}

async function buildSuite(root: string): Promise<string> {
  const suiteDir = path.join(root, 'test', 'integration', 'suite');
  const outdir = path.join(root, 'dist-test', 'integration', 'suite');
  fs.rmSync(outdir, { recursive: true, force: true });
  const entryPoints = fs.readdirSync(suiteDir).filter((f) => f === 'index.ts' || f.endsWith('.itest.ts')).map((f) => path.join(suiteDir, f));
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    // Resolved at run time inside VS Code: the API, and mocha shared by index.js and the test files.
    external: ['vscode', 'mocha'],
  });
  return path.join(outdir, 'index.js');
}

/** A fresh workspace folder with settings that keep the runs small and the UI quiet. */
function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-it-ws-'));
  fs.mkdirSync(path.join(ws, '.vscode'));
  const settings = { 'dclExplorer.openChartsOnStart': false, 'dclExplorer.maxConcurrentRuns': 1, 'dclExplorer.stopTimeoutSeconds': 60 };
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return ws;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const lookup = findVsCode(process.env, path.join(root, '.vscode-test'));
  if (lookup.kind === 'none') {
    console.log('skipped: no VS Code available (set VSCODE_EXECUTABLE_PATH)');
    return 0;
  }
  if (lookup.kind === 'error') {
    console.error(lookup.message);
    return 1;
  }
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')) || !fs.existsSync(path.join(root, 'dist', 'trainer.js'))) {
    console.error('dist/extension.js or dist/trainer.js is missing: run "npm run build" first.');
    return 1;
  }
  console.log(`integration tests with VS Code from ${lookup.source}`);
  const extensionTestsPath = await buildSuite(root);
  const workspace = makeWorkspace();
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-it-user-'));
  // The suite writes its result here: a VS Code that exits 0 without running it must not count as a pass.
  const resultFile = path.join(userData, 'dcl-it-result.json');
  try {
    await runTests({
      vscodeExecutablePath: lookup.executable,
      extensionDevelopmentPath: root,
      extensionTestsPath,
      // A throwaway profile, no other extensions, and a trusted workspace (starting runs needs trust).
      extensionTestsEnv: { DCL_IT_RESULT_FILE: resultFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${userData}`],
    });
    if (!fs.existsSync(resultFile)) {
      console.error(`${lookup.executable} exited without running the integration suite: is it a VS Code executable (not the "code" CLI wrapper of a remote)?`);
      return 1;
    }
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { tests: number; failures: number };
    console.log(`integration tests: ${result.tests - result.failures} passed, ${result.failures} failed`);
    return result.failures === 0 && result.tests > 0 ? 0 : 1;
  } catch (e) {
    console.error(`integration tests failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

void main().then((code) => {
  process.exitCode = code;
});
