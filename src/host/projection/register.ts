/**
 * Entry point of the projection feature for extension.ts: `dclExplorer.openProjection` (a tree item with
 * `runDir`, a path, or 1–2 of them for side by side; none → QuickPick), `dclExplorer.exportEmbeddings`
 * (Projector TSV), and the serializer that restores panels after a window reload.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { exportSnapshotTsv } from './exportTsv';
import { PROJECTION_VIEW_TYPE } from './html';
import { MAX_VIEWS, ProjectionPanel } from './panel';
import { runDirsFromArgs } from '../runs/runArgs';
import type { FeatureHost } from '../vscode/featureHost';
import { pickRun } from './pickRun';

export const OPEN_PROJECTION_COMMAND = 'dclExplorer.openProjection';
export const EXPORT_EMBEDDINGS_COMMAND = 'dclExplorer.exportEmbeddings';

async function openProjection(host: FeatureHost, args: unknown[]): Promise<void> {
  let runs = runDirsFromArgs(args);
  if (runs.length > MAX_VIEWS) {
    void vscode.window.showWarningMessage(`The projection shows at most ${MAX_VIEWS} runs side by side; opening the first ${MAX_VIEWS}.`);
    runs = runs.slice(0, MAX_VIEWS);
  }
  if (runs.length === 0) {
    const picked = await pickRun(host, 'Open the embedding projection of which run?');
    if (!picked) return;
    runs = [picked];
  }
  const missing = runs.filter((r) => !fs.existsSync(r));
  if (missing.length) {
    void vscode.window.showErrorMessage(`Run folder not found: ${missing.join(', ')}`);
    return;
  }
  ProjectionPanel.show(host, runs);
}

async function exportEmbeddings(host: FeatureHost, args: unknown[]): Promise<void> {
  const runDir = runDirsFromArgs(args)[0] ?? (await pickRun(host, 'Export the embeddings of which run?'));
  if (runDir) await exportSnapshotTsv(host, runDir);
}

/** Run folders saved in the webview state (ProjectionWebviewState.runs), if they still exist. */
function runsFromState(state: unknown): string[] {
  const runs = (state as { runs?: unknown } | undefined)?.runs;
  if (!Array.isArray(runs)) return [];
  return runs.filter((r): r is string => typeof r === 'string' && fs.existsSync(r)).slice(0, MAX_VIEWS);
}

export function registerProjection(host: FeatureHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(OPEN_PROJECTION_COMMAND, (...args: unknown[]) => openProjection(host, args)),
    vscode.commands.registerCommand(EXPORT_EMBEDDINGS_COMMAND, (...args: unknown[]) => exportEmbeddings(host, args)),
    vscode.window.registerWebviewPanelSerializer(PROJECTION_VIEW_TYPE, {
      deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Thenable<void> {
        const runs = runsFromState(state);
        // Without its run folders the panel could only show an empty page: close it instead.
        if (runs.length === 0) panel.dispose();
        else ProjectionPanel.revive(host, panel, runs);
        return Promise.resolve();
      },
    }),
  ];
}
