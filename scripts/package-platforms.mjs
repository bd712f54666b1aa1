// Per-platform .vsix files that carry Dawn, so the webgpu backend works in VS Code as it does from the CLI.
//
// Why per platform: the `webgpu` package ships one native dawn.node per OS and CPU (21 MB for Linux x64, 34 MB
// with its DirectX compilers on Windows), 132 MB for all of them; one universal .vsix would make every user
// download every platform's binary. VS Code installs the .vsix whose --target matches the machine, so each one
// carries its own binary and the universal one (npm run package) none: there, `auto` records that webgpu was
// skipped because the package is missing. The allowlist is .vscodeignore plus the lines below.
//
// Usage: node scripts/package-platforms.mjs [target…]          builds dist/ once, then writes dcl-explorer-<target>.vsix (default: every target)
//        node scripts/package-platforms.mjs --list <target>      prints the files that target's .vsix would hold
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** VS Code's target names and the folder of node_modules/webgpu/dist that holds that platform's Dawn. */
export const DAWN_FOLDERS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

/** The allowlist lines a target adds to .vscodeignore: Dawn for it, and the backend that drives it. */
export function webgpuAllowlist(target) {
  const folder = DAWN_FOLDERS[target];
  if (!folder) throw new Error(`unknown target "${target}"; use one of ${Object.keys(DAWN_FOLDERS).join(', ')}`);
  return [
    `# The webgpu backend for ${target} (scripts/package-platforms.mjs).`,
    '!node_modules/webgpu/package.json',
    '!node_modules/webgpu/index.js',
    '!node_modules/webgpu/LICENSE.md',
    `!node_modules/webgpu/dist/${folder}/**`,
    '!node_modules/@tensorflow/tfjs-backend-webgpu/package.json',
    '!node_modules/@tensorflow/tfjs-backend-webgpu/dist/*.node.js',
  ];
}

function writeIgnoreFile(target, work) {
  const folder = DAWN_FOLDERS[target];
  if (!folder) throw new Error(`unknown target "${target}"; use one of ${Object.keys(DAWN_FOLDERS).join(', ')}`);
  if (!existsSync(join(root, 'node_modules', 'webgpu', 'dist', folder))) {
    throw new Error(`node_modules/webgpu/dist/${folder} is missing: run npm ci (the webgpu package ships every platform's Dawn)`);
  }
  const ignoreFile = join(work, `${target}.vscodeignore`);
  writeFileSync(ignoreFile, `${readFileSync(join(root, '.vscodeignore'), 'utf8')}\n${webgpuAllowlist(target).join('\n')}\n`);
  return ignoreFile;
}

function packageTarget(target, work) {
  const ignoreFile = writeIgnoreFile(target, work);
  const out = `dcl-explorer-${target}.vsix`;
  // dist/ is built once before the targets are packed (below); vsce's vscode:prepublish (scripts/prepublish.mjs) skips its build on this flag.
  execFileSync('npx', ['vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '-o', out], { cwd: root, stdio: 'inherit', env: { ...process.env, DCL_PREPUBLISH_BUILT: '1' } });
  return out;
}

/** The files the target's .vsix would hold, from vsce's own file collection (no build, no packaging). */
async function listTarget(target, work) {
  const vsce = createRequire(import.meta.url)('@vscode/vsce');
  const files = await vsce.listFiles({ cwd: root, ignoreFile: writeIgnoreFile(target, work), packageManager: vsce.PackageManager.Npm });
  return files.sort();
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  const work = mkdtempSync(join(tmpdir(), 'dcl-package-'));
  try {
    if (args[0] === '--list') {
      if (args.length !== 2) throw new Error('usage: --list <target>');
      console.log((await listTarget(args[1], work)).join('\n'));
    } else {
      execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--no-tests'], { cwd: root, stdio: 'inherit' });
      for (const t of args.length ? args : Object.keys(DAWN_FOLDERS)) console.log(`wrote ${packageTarget(t, work)}`);
    }
  } catch (e) {
    console.error(`package-platforms: ${e.message}`);
    process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
