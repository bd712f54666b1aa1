/** Reads the `dclExplorer.*` settings through the VS Code-independent checks in config/hostSettings.ts. */
import * as vscode from 'vscode';
import { readHostSettings, type SettingsReadout } from '../config/hostSettings';

export const SETTINGS_SECTION = 'dclExplorer';

export function readSettings(): SettingsReadout {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // get() (not inspect()) so that VS Code drops workspace values of restricted settings (nodePath) in an
  // untrusted workspace. package.json's defaults equal DEFAULT_HOST_SETTINGS (test/host/manifest.test.ts).
  return readHostSettings((key) => config.get(key));
}

/** The first workspace folder's path: relative runsDir/dataDir resolve against it. */
export function workspaceBase(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}
