/**
 * "Linear evaluation" on a run: runs `dcl-explorer eval` as a child process (no trainer code loads in the host)
 * under a cancellable progress notification and shows its result line. The run's `linear` event then reaches the
 * run list and the charts through metrics.jsonl, like every other event.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, startCliJob } from '../../projection/cliJob';
import { pickRun } from '../../projection/pickRun';
import { runDirsFromArgs } from '../../runs/runArgs';
import type { FeatureHost } from '../featureHost';

async function linearEvaluation(host: FeatureHost, args: unknown[]): Promise<void> {
  const runDir = runDirsFromArgs(args)[0] ?? (await pickRun(host, 'Linear evaluation of which run?'));
  if (!runDir) return;
  const { nodePath, cliPath } = host.cliRuntime();
  try {
    const lines = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Linear evaluation of ${path.basename(runDir)}`, cancellable: true },
      async (_progress, token) => {
        const job = startCliJob({ nodePath, cliPath, args: ['eval', '--run-dir', runDir, '--quiet'] });
        token.onCancellationRequested(() => job.cancel());
        return job.done;
      },
    );
    void vscode.window.showInformationMessage(`${path.basename(runDir)}: ${lines.at(-1) ?? 'linear evaluation finished'}`);
  } catch (e) {
    if (!(e instanceof CancelledError)) void vscode.window.showErrorMessage(`Linear evaluation failed: ${(e as Error).message}`);
  }
}

export function registerLinearEvalCommands(host: FeatureHost): vscode.Disposable[] {
  return [vscode.commands.registerCommand('dclExplorer.linearEval', (...args: unknown[]) => linearEvaluation(host, args))];
}
