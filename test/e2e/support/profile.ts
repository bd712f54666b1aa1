/**
 * A throwaway VS Code profile for one suite: HOME and XDG folders, a user-data folder with settings that
 * keep the workbench quiet (no Welcome page stealing focus, no telemetry, no update or gallery checks,
 * trust on), a fresh extensions folder with our .vsix installed, and a workspace folder.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Profile {
  root: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  /** Environment for code-server: everything of ours, nothing of a VS Code the tests may run inside. */
  env: NodeJS.ProcessEnv;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
};

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

export function createProfile(workspaceSettings: Record<string, unknown>): Profile {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-e2e-'));
  const home = path.join(root, 'home');
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const workspace = path.join(root, 'workspace');
  for (const dir of [home, extensionsDir, workspace]) fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(userDataDir, 'User', 'settings.json'), USER_SETTINGS);
  writeJson(path.join(workspace, '.vscode', 'settings.json'), workspaceSettings);

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(VSCODE_|ELECTRON_)/.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    // No extension gallery: offline it only produces failed requests and error logs.
    EXTENSIONS_GALLERY: '{}',
  });
  return { root, home, userDataDir, extensionsDir, workspace, env };
}

/** Installs the .vsix into the profile's extensions folder the way a user would (`--install-extension`). */
export function installExtension(codeServerEntry: string, profile: Profile, vsix: string): void {
  const result = spawnSync(process.execPath, [codeServerEntry, '--extensions-dir', profile.extensionsDir, '--user-data-dir', profile.userDataDir, '--install-extension', vsix], {
    env: profile.env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${result.status}):\n${output}`);
  }
}

export function removeProfile(profile: Profile): void {
  fs.rmSync(profile.root, { recursive: true, force: true });
}
