/**
 * Commands that start runs: the interactive flow, a `*.dclrun.json` file, and Rerun / Rerun with
 * changes on an existing run (which reuse its config.json).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, type RunConfig } from '../../../shared/protocol';
import { parseRunConfigText } from '../../config/parseConfigText';
import { formatConfigProblems } from '../../config/resolveRunConfig';
import { resolveAgainst, storedPath } from '../../config/workspacePaths';
import { checkDatasetFolder } from '../../datasets/datasetFolderCheck';
import { runStartFlow } from '../../flow/startRunFlow';
import { runLabel } from '../../runs/runPresentation';
import type { DclHost } from '../dclHost';
import { QuickInputPrompter } from '../quickInputPrompter';
import { workspaceBase } from '../settings';
import { resumeRuns } from './resumeRunCommand';

/** The interactive questions, prefilled from `defaults`; resolves with the config or undefined. */
function askForConfig(title: string, defaults: RunConfig): Promise<RunConfig | undefined> {
  const base = workspaceBase();
  return runStartFlow(new QuickInputPrompter(), {
    title,
    defaults,
    checkFolder: checkDatasetFolder,
    resolvePath: (p) => resolveAgainst(base, p) ?? p,
    storePath: (abs) => storedPath(base, abs),
  });
}

async function startRun(host: DclHost): Promise<void> {
  if (!host.requireTrust('start runs')) return;
  if (!host.runsRoot()) {
    // Say so before asking six questions whose answers could not be used.
    void vscode.window.showErrorMessage(
      `Cannot start a run: the runs folder "${host.settings.runsDirectory}" is relative and no folder is open. Open a folder, or set "dclExplorer.runsDirectory" to an absolute path.`,
    );
    return;
  }
  const config = await askForConfig('Start DCL run', host.lastRunDefaults());
  if (config) await host.launch(config);
}

/** The config file: the argument (explorer menu), else the active `*.dclrun.json` editor, else a dialog. */
async function configFileUri(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.path.endsWith('.dclrun.json')) return active;
  const picked = await vscode.window.showOpenDialog({
    title: 'Start DCL run from config',
    canSelectMany: false,
    filters: { 'DCL run config': ['json'] },
    openLabel: 'Start run',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

async function startRunFromConfig(host: DclHost, arg: unknown): Promise<void> {
  if (!host.requireTrust('start runs')) return;
  const uri = await configFileUri(arg);
  if (!uri) return;
  let text: string;
  try {
    // Through the document so unsaved edits in an open editor count.
    text = (await vscode.workspace.openTextDocument(uri)).getText();
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot read ${uri.fsPath}: ${(e as Error).message}`);
    return;
  }
  const parsed = parseRunConfigText(text, host.settingsDefaults());
  if (!parsed.ok) {
    const choice = await vscode.window.showErrorMessage(
      `${path.basename(uri.fsPath)} is not a valid DCL run config`,
      { modal: true, detail: formatConfigProblems(path.basename(uri.fsPath), parsed.problems) },
      'Open File',
    );
    if (choice) await vscode.window.showTextDocument(uri);
    return;
  }
  await host.launch(parsed.config);
}

/** A run's config.json as a complete, valid config; shows why when it is not. */
async function configOfRun(host: DclHost, runDir: string): Promise<RunConfig | undefined> {
  const file = path.join(runDir, RUN_FILES.config);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot rerun "${host.label(runDir)}": ${file} cannot be read (${(e as Error).message}).`);
    return undefined;
  }
  const parsed = parseRunConfigText(text, host.settingsDefaults());
  if (!parsed.ok) {
    void vscode.window.showErrorMessage(`Cannot rerun "${host.label(runDir)}": ${formatConfigProblems(file, parsed.problems).replace(/\n/g, ' ')}`);
    return undefined;
  }
  return parsed.config;
}

const anyRun = { eligible: () => true, none: 'There are no DCL runs yet. Start one with "DCL: Start DCL run".' };

async function rerun(host: DclHost, args: unknown[]): Promise<void> {
  if (!host.requireTrust('start runs')) return;
  const dirs = await host.pickRuns(args, { ...anyRun, placeholder: 'Run to start again with the same config' });
  for (const dir of dirs) {
    const config = await configOfRun(host, dir);
    // Next to the original, wherever its config says runs go (it may come from another machine).
    if (config) await host.launch(config, { runsRoot: path.dirname(dir) });
  }
}

async function rerunWithChanges(host: DclHost, args: unknown[]): Promise<void> {
  if (!host.requireTrust('start runs')) return;
  const [dir] = await host.pickRuns(args, { ...anyRun, placeholder: 'Run whose config to start from' });
  if (!dir) return;
  const config = await configOfRun(host, dir);
  if (!config) return;
  const changed = await askForConfig(`Rerun with changes: ${runLabel(config, path.basename(dir))}`, config);
  if (changed) await host.launch(changed, { runsRoot: path.dirname(dir) });
}

export function registerStartRunCommands(host: DclHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dclExplorer.startRun', () => startRun(host)),
    vscode.commands.registerCommand('dclExplorer.startRunFromConfig', (arg: unknown) => startRunFromConfig(host, arg)),
    vscode.commands.registerCommand('dclExplorer.rerun', (...args: unknown[]) => rerun(host, args)),
    vscode.commands.registerCommand('dclExplorer.rerunWithChanges', (...args: unknown[]) => rerunWithChanges(host, args)),
    vscode.commands.registerCommand('dclExplorer.resumeRun', (...args: unknown[]) => resumeRuns(host, args)),
  ];
}
