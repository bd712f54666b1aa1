import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findVsCode } from '../integration/findVsCode';
import { makeTempDir, removeDir } from './hostTestUtils';

describe('findVsCode (integration runner)', () => {
  let root: string;
  before(() => {
    root = makeTempDir('vscode');
  });
  after(() => removeDir(root));

  it('reports none without the variable or a cache, so the runner can skip', () => {
    assert.deepEqual(findVsCode({}, path.join(root, 'no-cache'), 'linux'), { kind: 'none' });
  });

  it('prefers VSCODE_EXECUTABLE_PATH and rejects one that does not exist', () => {
    const exe = path.join(root, 'code-bin');
    fs.writeFileSync(exe, '');
    assert.deepEqual(findVsCode({ VSCODE_EXECUTABLE_PATH: exe }, root, 'linux'), { kind: 'found', executable: exe, source: 'VSCODE_EXECUTABLE_PATH' });
    const missing = findVsCode({ VSCODE_EXECUTABLE_PATH: path.join(root, 'nope') }, root, 'linux');
    assert.equal(missing.kind, 'error');
    assert.match(missing.kind === 'error' ? missing.message : '', /does not exist: point it at the VS Code executable/);
  });

  it('takes the newest complete download from .vscode-test, per platform layout', () => {
    const cache = path.join(root, '.vscode-test');
    for (const v of ['1.90.0', '1.95.2', '1.100.1']) fs.mkdirSync(path.join(cache, `vscode-linux-x64-${v}`), { recursive: true });
    fs.mkdirSync(path.join(cache, 'vscode-server-linux-x64-1.200.0'), { recursive: true });
    // 1.100.1 is an interrupted download without its executable: skipped.
    fs.writeFileSync(path.join(cache, 'vscode-linux-x64-1.90.0', 'code'), '');
    fs.writeFileSync(path.join(cache, 'vscode-linux-x64-1.95.2', 'code'), '');
    const found = findVsCode({}, cache, 'linux');
    assert.deepEqual(found, { kind: 'found', executable: path.join(cache, 'vscode-linux-x64-1.95.2', 'code'), source: path.join(cache, 'vscode-linux-x64-1.95.2') });
    const mac = path.join(cache, 'vscode-darwin-arm64-1.96.0', 'Visual Studio Code.app', 'Contents', 'MacOS');
    fs.mkdirSync(mac, { recursive: true });
    fs.writeFileSync(path.join(mac, 'Electron'), '');
    const onMac = findVsCode({}, cache, 'darwin');
    assert.equal(onMac.kind === 'found' ? path.basename(onMac.executable) : onMac.kind, 'Electron');
  });
});
