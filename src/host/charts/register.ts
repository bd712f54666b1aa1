/**
 * Entry point of the charts feature for extension.ts: the `dclExplorer.openCharts` and
 * `dclExplorer.compareRuns` commands, the serializer that restores panels after a window reload, and
 * openChartsForRun for the run manager to call when a run starts.
 */
import * as vscode from 'vscode';
import { CHARTS_VIEW_TYPE, MAX_COMPARED_RUNS, MIN_COMPARED_RUNS, panelIdentityFromState } from '../../shared/chartsMessages';
import { ChartsPanel } from './chartsPanel';
import { runDirsFromArgs } from '../runs/runArgs';
import type { FeatureHost } from '../vscode/featureHost';
import { pickManyRuns, pickOneRun } from './pickRuns';

export const OPEN_CHARTS_COMMAND = 'dclExplorer.openCharts';
export const COMPARE_RUNS_COMMAND = 'dclExplorer.compareRuns';

/** Opens (or reveals) the charts of one run, e.g. when the run manager starts it. */
export function openChartsForRun(host: FeatureHost, runDir: string, options: { preserveFocus?: boolean } = {}): void {
  ChartsPanel.show(host, { mode: 'single', runDirs: [runDir] }, options);
}

async function openChartsCommand(host: FeatureHost, args: unknown[]): Promise<void> {
  let dirs = runDirsFromArgs(args);
  if (dirs.length === 0) {
    const runsDir = host.runsRootOrWarn();
    const picked = runsDir && (await pickOneRun(runsDir));
    if (!picked) return;
    dirs = [picked];
  }
  for (const dir of dirs) openChartsForRun(host, dir);
}

async function compareRunsCommand(host: FeatureHost, args: unknown[]): Promise<void> {
  let dirs = runDirsFromArgs(args);
  if (dirs.length < MIN_COMPARED_RUNS || dirs.length > MAX_COMPARED_RUNS) {
    const runsDir = host.runsRootOrWarn();
    const picked = runsDir && (await pickManyRuns(runsDir, MIN_COMPARED_RUNS, MAX_COMPARED_RUNS, dirs));
    if (!picked) return;
    dirs = picked;
  }
  ChartsPanel.show(host, { mode: 'compare', runDirs: dirs });
}

export function registerCharts(host: FeatureHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(OPEN_CHARTS_COMMAND, (...args: unknown[]) => openChartsCommand(host, args)),
    vscode.commands.registerCommand(COMPARE_RUNS_COMMAND, (...args: unknown[]) => compareRunsCommand(host, args)),
    vscode.window.registerWebviewPanelSerializer(CHARTS_VIEW_TYPE, {
      deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Thenable<void> {
        const identity = panelIdentityFromState(state);
        // Without its run folders a restored panel could only show an empty page: close it instead.
        if (!identity) panel.dispose();
        else ChartsPanel.revive(host, panel, identity);
        return Promise.resolve();
      },
    }),
  ];
}
