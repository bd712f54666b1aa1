/**
 * "Export weights…" on a run: asks where to save, then runs `dcl-explorer export-weights` as a child process
 * (the same way Export embeddings… runs its CLI job), so no trainer code loads in the extension host.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runExportJob } from '../../projection/exportJob';
import { pickRun } from '../../projection/pickRun';
import { runDirsFromArgs } from '../../runs/runArgs';
import type { FeatureHost } from '../featureHost';

async function exportWeights(host: FeatureHost, args: unknown[]): Promise<void> {
  const runDir = runDirsFromArgs(args)[0] ?? (await pickRun(host, 'Export the weights of which run?'));
  if (!runDir) return;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(runDir, 'exports', `${path.basename(runDir)}.safetensors`)),
    filters: { safetensors: ['safetensors'] },
    saveLabel: 'Export',
    title: 'Save the encoder and head as .safetensors (PyTorch)',
  });
  if (!target) return;
  const cliArgs = ['export-weights', '--run-dir', runDir, '--format', 'safetensors', '--out', target.fsPath];
  if (!(await runExportJob(host, 'Exporting weights to .safetensors', cliArgs))) return;
  const choice = await vscode.window.showInformationMessage(
    `Wrote ${target.fsPath}. Load it with the modules in docs/pytorch/dcl_models.py (see the README).`,
    'Reveal file',
  );
  if (choice === 'Reveal file') void vscode.commands.executeCommand('revealFileInOS', target);
}

export function registerExportWeightsCommands(host: FeatureHost): vscode.Disposable[] {
  return [vscode.commands.registerCommand('dclExplorer.exportWeights', (...args: unknown[]) => exportWeights(host, args))];
}
