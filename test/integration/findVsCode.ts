/**
 * Where the integration tests find VS Code without downloading it: the executable named by
 * VSCODE_EXECUTABLE_PATH, or a copy @vscode/test-electron downloaded earlier into `.vscode-test/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type VsCodeLookup = { kind: 'found'; executable: string; source: string } | { kind: 'none' } | { kind: 'error'; message: string };

/** The executable inside an unpacked VS Code download (the layouts @vscode/test-electron produces). */
function executableIn(dir: string, platform: NodeJS.Platform): string | undefined {
  const candidates =
    platform === 'win32'
      ? ['Code.exe']
      : platform === 'darwin'
        ? ['Visual Studio Code.app/Contents/MacOS/Electron', 'Visual Studio Code.app/Contents/MacOS/Code']
        : ['code'];
  return candidates.map((c) => path.join(dir, c)).find((p) => fs.existsSync(p));
}

/** Compares `vscode-linux-x64-1.95.2`-style folder names by their version, newest first. */
function byVersionDescending(a: string, b: string): number {
  const version = (name: string): number[] => (/(\d+)\.(\d+)\.(\d+)/.exec(name)?.slice(1) ?? ['0', '0', '0']).map(Number);
  const [va, vb] = [version(a), version(b)];
  for (let i = 0; i < 3; i++) if (va[i] !== vb[i]) return vb[i] - va[i];
  return b.localeCompare(a);
}

export function findVsCode(env: NodeJS.ProcessEnv, cacheDir: string, platform: NodeJS.Platform = process.platform): VsCodeLookup {
  const fromEnv = env.VSCODE_EXECUTABLE_PATH?.trim();
  if (fromEnv) {
    return fs.existsSync(fromEnv)
      ? { kind: 'found', executable: fromEnv, source: 'VSCODE_EXECUTABLE_PATH' }
      : { kind: 'error', message: `VSCODE_EXECUTABLE_PATH is set to ${fromEnv}, which does not exist: point it at the VS Code executable (e.g. /usr/share/code/code) or unset it.` };
  }
  if (!fs.existsSync(cacheDir)) return { kind: 'none' };
  const downloads = fs
    .readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('vscode-') && !/server|cli/.test(e.name))
    .map((e) => e.name)
    .sort(byVersionDescending);
  for (const name of downloads) {
    const executable = executableIn(path.join(cacheDir, name), platform);
    if (executable) return { kind: 'found', executable, source: path.join(cacheDir, name) };
  }
  return { kind: 'none' };
}
