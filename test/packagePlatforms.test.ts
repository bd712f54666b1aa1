/**
 * The per-platform .vsix files (scripts/package-platforms.mjs) carry Dawn for their own platform only, with the
 * backend that drives it; the universal .vsix carries none. Checked with vsce's own file collection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/paths';

const root = repoRoot();
const script = path.join(root, 'scripts', 'package-platforms.mjs');

describe('per-platform packages with the webgpu backend', () => {
  it("a linux-x64 .vsix holds linux-x64's dawn.node, no other platform's, and tfjs-backend-webgpu's Node bundle", () => {
    const files = execFileSync(process.execPath, [script, '--list', 'linux-x64'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    const dawn = files.filter((f) => f.startsWith('node_modules/webgpu/dist/'));
    assert.deepEqual(dawn, ['node_modules/webgpu/dist/linux-x64/dawn.node']);
    for (const f of ['node_modules/webgpu/index.js', 'node_modules/webgpu/package.json', 'node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js']) {
      assert.ok(files.includes(f), `${f} is missing`);
    }
    assert.ok(files.includes('dist/trainer.js'), 'the rest of the allowlist still applies');
  });

  it('the universal .vscodeignore lets no Dawn binary in', () => {
    const allow = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!'));
    assert.deepEqual(allow.filter((l) => l.includes('webgpu')), []);
  });

  it('an unknown target is refused with the list of targets', () => {
    const r = spawnSync(process.execPath, [script, '--list', 'amiga-m68k'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown target "amiga-m68k"; use one of linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64/);
  });
});
