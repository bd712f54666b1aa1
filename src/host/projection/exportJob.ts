/**
 * One export from the editor: a `dcl-explorer` CLI job under a cancellable progress notification, its failure as
 * an error message. Export embeddings… and Export weights… both run this way, so no trainer code loads in the host.
 */
import * as vscode from 'vscode';
import { CancelledError, startCliJob } from './cliJob';
import type { FeatureHost } from '../vscode/featureHost';

/** Runs `dcl-explorer ...args`; true when it succeeded, false when it was cancelled or failed (already reported). */
export async function runExportJob(host: FeatureHost, title: string, args: string[]): Promise<boolean> {
  const { nodePath, cliPath } = host.cliRuntime();
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
      const job = startCliJob({ nodePath, cliPath, args });
      token.onCancellationRequested(() => job.cancel());
      await job.done;
    });
    return true;
  } catch (e) {
    if (!(e instanceof CancelledError)) void vscode.window.showErrorMessage(`Export failed: ${(e as Error).message}`);
    return false;
  }
}
