/** "Resume": continue stopped, failed or interrupted runs from their latest checkpoint, in the same folder. */
import * as vscode from 'vscode';
import { isResumable, resumeRefusal } from '../../runs/resumeCheck';
import type { DclHost } from '../dclHost';

export async function resumeRuns(host: DclHost, args: unknown[]): Promise<void> {
  if (!host.requireTrust('resume runs')) return;
  const dirs = await host.pickRuns(args, { eligible: isResumable, placeholder: 'Run to resume from its last checkpoint', none: 'No DCL run is stopped, failed or interrupted.' });
  for (const dir of dirs) {
    const run = host.store.get(dir);
    const why = run ? await resumeRefusal(run) : 'it is no longer listed';
    if (why) {
      void vscode.window.showErrorMessage(`Cannot resume "${host.label(dir)}": ${why}.`);
      continue;
    }
    try {
      host.manager.resume(dir);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot resume "${host.label(dir)}": ${(e as Error).message}.`);
      continue;
    }
    await host.store.refresh();
    if (host.settings.openChartsOnStart) {
      // Open charts follow the run's metrics.jsonl, where the resumed event and the new steps appear.
      vscode.commands.executeCommand('dclExplorer.openCharts', dir).then(undefined, () => undefined);
    }
  }
}
