/**
 * Entry point of the charts feature for extension.ts: the `dclExplorer.openCharts` and
 * `dclExplorer.compareRuns` commands, the serializer that restores panels after a window reload, and
 * openChartsForRun for the run manager to call when a run starts.
 */
import * as vscode from 'vscode';
import { CHARTS_VIEW_TYPE, MAX_COMPARED_RUNS, MIN_COMPARED_RUNS, panelIdentityFromState } from '../../shared/chartsMessages';
import { ChartsPanel } from './chartsPanel';
import { runDirsFromCommandArgs } from './commandArgs';
import { pickManyRuns, pickOneRun } from './pickRuns';
import { resolveRunsDir } from './runFolders';

export const OPEN_CHARTS_COMMAND = 'dclExplorer.openCharts';
export const COMPARE_RUNS_COMMAND = 'dclExplorer.compareRuns';

function runsDirectory(): string | undefined {
  const setting = vscode.workspace.getConfiguration('dclExplorer').get<string>('runsDirectory') || '.dcl/runs';
  const dir = resolveRunsDir(setting, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  if (!dir) void vscode.window.showWarningMessage('Open a folder first: runs live in "dclExplorer.runsDirectory" inside the workspace.');
  return dir;
}

/** Opens (or reveals) the charts of one run, e.g. when the run manager starts it. */
export function openChartsForRun(context: vscode.ExtensionContext, runDir: string, options: { preserveFocus?: boolean } = {}): void {
  ChartsPanel.show(context, { mode: 'single', runDirs: [runDir] }, options);
}

async function openChartsCommand(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  let dirs = runDirsFromCommandArgs(args);
  if (dirs.length === 0) {
    const runsDir = runsDirectory();
    const picked = runsDir && (await pickOneRun(runsDir));
    if (!picked) return;
    dirs = [picked];
  }
  for (const dir of dirs) openChartsForRun(context, dir);
}

async function compareRunsCommand(context: vscode.ExtensionContext, args: unknown[]): Promise<void> {
  let dirs = runDirsFromCommandArgs(args);
  if (dirs.length < MIN_COMPARED_RUNS || dirs.length > MAX_COMPARED_RUNS) {
    const runsDir = runsDirectory();
    const picked = runsDir && (await pickManyRuns(runsDir, MIN_COMPARED_RUNS, MAX_COMPARED_RUNS, dirs));
    if (!picked) return;
    dirs = picked;
  }
  ChartsPanel.show(context, { mode: 'compare', runDirs: dirs });
}

export function registerCharts(context: vscode.ExtensionContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(OPEN_CHARTS_COMMAND, (...args: unknown[]) => openChartsCommand(context, args)),
    vscode.commands.registerCommand(COMPARE_RUNS_COMMAND, (...args: unknown[]) => compareRunsCommand(context, args)),
    vscode.window.registerWebviewPanelSerializer(CHARTS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const identity = panelIdentityFromState(state);
        // Without its run folders a restored panel could only show an empty page: close it instead.
        if (!identity) {
          panel.dispose();
          return;
        }
        ChartsPanel.revive(context, panel, identity);
      },
    }),
  ];
}
