/** Where the projection jobs' Node runtime and the bundled CLI live. */
import * as vscode from 'vscode';

export function cliRuntime(context: vscode.ExtensionContext): { nodePath: string; cliPath: string } {
  // The CLI's projection code is plain JS, so the editor's own runtime works when no Node.js is configured.
  const configured = vscode.workspace.getConfiguration('dclExplorer').get<string>('nodePath')?.trim();
  return { nodePath: configured || process.execPath, cliPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath };
}
