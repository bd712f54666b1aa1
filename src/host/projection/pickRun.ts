/** Run folders named by command arguments, or picked from `dclExplorer.runsDirectory` with a QuickPick. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeRun, listRunFolders, listSnapshots } from './runFiles';

export function runsDirectory(): string | undefined {
  const setting = vscode.workspace.getConfiguration('dclExplorer').get<string>('runsDirectory') || '.dcl/runs';
  if (path.isAbsolute(setting)) return setting;
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return ws ? path.join(ws, setting) : undefined;
}

function runDirOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item || undefined;
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as { runDir?: unknown; fsPath?: unknown; scheme?: unknown };
  if (typeof o.runDir === 'string' && o.runDir) return o.runDir;
  if (typeof o.fsPath === 'string' && (o.scheme === undefined || o.scheme === 'file')) return o.fsPath;
  return undefined;
}

/**
 * Run folders from a command's arguments: a tree item with `runDir`, a path, a Uri, or an array of them
 * (the tree passes (clicked, selection[]); a non-empty selection wins). Distinct, in order.
 */
export function runDirsFromArgs(args: readonly unknown[]): string[] {
  const selection = args[1];
  const source: unknown[] = Array.isArray(selection) && selection.length > 0 ? selection : args.flatMap((a) => (Array.isArray(a) ? a : [a]));
  return [...new Set(source.map(runDirOf).filter((d): d is string => d !== undefined))];
}

/** QuickPick over the runs that have embedding snapshots; `exclude` hides runs already shown. */
export async function pickRun(title: string, exclude: readonly string[] = []): Promise<string | undefined> {
  const root = runsDirectory();
  if (!root) {
    void vscode.window.showWarningMessage('Open a folder first: runs live in "dclExplorer.runsDirectory" inside the workspace.');
    return undefined;
  }
  const dirs = (await listRunFolders(root)).filter((d) => !exclude.includes(d));
  const items = await Promise.all(
    dirs.map(async (runDir) => {
      const [info, snaps] = await Promise.all([describeRun(runDir), listSnapshots(runDir)]);
      const epochs = [...new Set(snaps.map((s) => s.epoch))];
      return {
        label: info.name,
        description: info.description,
        detail: snaps.length ? `${snaps.length} snapshot(s), epochs ${epochs.join(', ')} · ${path.basename(runDir)}` : `no embedding snapshots yet · ${path.basename(runDir)}`,
        runDir,
        hasSnapshots: snaps.length > 0,
      };
    }),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`No runs found in ${root}. Start a run first, or set "dclExplorer.runsDirectory".`);
    return undefined;
  }
  items.sort((a, b) => Number(b.hasSnapshots) - Number(a.hasSnapshots));
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
  return picked?.runDir;
}
