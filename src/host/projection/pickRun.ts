/** A run picked from the runs folder with a QuickPick, runs with embedding snapshots first. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FeatureHost } from '../vscode/featureHost';
import { describeRun, listRunFolders, listSnapshots } from './runFiles';

/** QuickPick over the runs that have embedding snapshots; `exclude` hides runs already shown. */
export async function pickRun(host: FeatureHost, title: string, exclude: readonly string[] = []): Promise<string | undefined> {
  const root = host.runsRootOrWarn();
  if (!root) return undefined;
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
