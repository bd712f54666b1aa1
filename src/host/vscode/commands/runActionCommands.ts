/** Commands on existing runs: stop, show log, reveal the folder, delete. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { spawnSlurm } from '../../../launchers/slurm/commands';
import { SlurmRuns } from '../../../launchers/slurm/slurmLauncher';
import type { RunSnapshot } from '../../runs/runStore';
import type { DclHost } from '../dclHost';

const isActive = (r: RunSnapshot): boolean => r.state === 'running' || r.state === 'queued';

async function stopOne(host: DclHost, runDir: string): Promise<void> {
  const label = host.label(runDir);
  if (host.manager.isOwned(runDir)) {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Stopping DCL run "${label}"…` },
      () => host.manager.stop(runDir),
    );
    return;
  }
  const run = host.store.get(runDir);
  if (run?.status?.launcher === 'slurm' && (run.state === 'running' || run.state === 'queued')) {
    // The trainer runs on a compute node: Slurm delivers the stop (SIGTERM, then the checkpoint).
    try {
      await new SlurmRuns(spawnSlurm, [runDir]).cancel();
      void host.slurmWatch.check().catch(() => undefined);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot cancel the Slurm job of "${label}": ${(e as Error).message}`);
    }
    return;
  }
  const pid = run?.status?.pid;
  if (run?.state !== 'running' || pid === undefined) {
    void vscode.window.showInformationMessage(`DCL run "${label}" is not running (it is ${run?.state ?? 'not listed'}).`);
    return;
  }
  // Started by the CLI or another window: it can still be asked to stop through its signal handler.
  const choice = await vscode.window.showWarningMessage(
    `DCL run "${label}" was started outside this window (process ${pid}). Ask it to stop?`,
    { modal: true, detail: 'The trainer finishes its current step, writes a checkpoint and exits.' },
    'Stop',
  );
  if (choice !== 'Stop') return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot stop process ${pid} of "${label}": ${(e as Error).message}`);
  }
  void host.store.refresh();
}

async function stopRun(host: DclHost, args: unknown[]): Promise<void> {
  const dirs = await host.pickRuns(args, { eligible: isActive, placeholder: 'Run to stop', none: 'No DCL run is running or queued.' });
  await Promise.all(dirs.map((d) => stopOne(host, d)));
}

async function showRunLog(host: DclHost, args: unknown[]): Promise<void> {
  const [dir] = await host.pickRuns(args, { eligible: () => true, placeholder: 'Run whose log to show', none: 'There are no DCL runs yet.' });
  if (dir && !(await host.logs.show(dir))) {
    void vscode.window.showInformationMessage(`DCL run "${host.label(dir)}" has no log yet: its trainer has not written log.txt.`);
  }
}

async function revealRun(host: DclHost, args: unknown[]): Promise<void> {
  const [dir] = await host.pickRuns(args, { eligible: () => true, placeholder: 'Run folder to reveal', none: 'There are no DCL runs yet.' });
  if (!dir) return;
  // revealFileInOS opens the local file manager, which cannot show a folder on a remote machine.
  const command = vscode.env.remoteName ? 'revealInExplorer' : 'revealFileInOS';
  await vscode.commands.executeCommand(command, vscode.Uri.file(dir));
}

async function deleteRuns(host: DclHost, args: unknown[]): Promise<void> {
  const dirs = await host.pickRuns(args, { eligible: (r) => !isActive(r), placeholder: 'Runs to delete', none: 'There are no finished, stopped or failed runs to delete.', many: true });
  if (dirs.length === 0) return;
  const busy = dirs.filter((d) => host.manager.isOwned(d) || host.store.get(d)?.state === 'running');
  if (busy.length) {
    void vscode.window.showErrorMessage(`Stop ${busy.map((d) => `"${host.label(d)}"`).join(', ')} before deleting: a running trainer is still writing to its folder.`);
    return;
  }
  const names = dirs.map((d) => `• ${host.label(d)} (${path.basename(d)})`).join('\n');
  const title = dirs.length === 1 ? `Delete the DCL run "${host.label(dirs[0])}"?` : `Delete ${dirs.length} DCL runs?`;
  const choice = await vscode.window.showWarningMessage(title, { modal: true, detail: `${names}\n\nThe run folders are moved to the trash.` }, 'Move to Trash');
  if (choice !== 'Move to Trash') return;
  for (const dir of dirs) {
    const uri = vscode.Uri.file(dir);
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch (e) {
      // Some file systems (remote, network) have no trash: offer a permanent delete instead of failing.
      const permanent = await vscode.window.showWarningMessage(
        `Cannot move "${host.label(dir)}" to the trash: ${(e as Error).message}`,
        { modal: true, detail: 'Delete it permanently instead? This cannot be undone.' },
        'Delete Permanently',
      );
      if (permanent !== 'Delete Permanently') continue;
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      } catch (e2) {
        void vscode.window.showErrorMessage(`Cannot delete ${dir}: ${(e2 as Error).message}`);
        continue;
      }
    }
    host.logs.forget(dir);
  }
  await host.store.refresh();
}

export function registerRunActionCommands(host: DclHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dclExplorer.stopRun', (...args: unknown[]) => stopRun(host, args)),
    vscode.commands.registerCommand('dclExplorer.showRunLog', (...args: unknown[]) => showRunLog(host, args)),
    vscode.commands.registerCommand('dclExplorer.revealRun', (...args: unknown[]) => revealRun(host, args)),
    vscode.commands.registerCommand('dclExplorer.deleteRun', (...args: unknown[]) => deleteRuns(host, args)),
  ];
}
