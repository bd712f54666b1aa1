/**
 * Saving chart exports and copying tables. Webviews cannot open save dialogs or touch the clipboard
 * reliably, so they send the bytes here and the host asks the user where to put them.
 */
import * as vscode from 'vscode';
import type { ExportFormat } from '../../shared/chartsMessages';
import { safeFileName } from './fileNames';

const FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
  csv: { 'CSV table': ['csv'] },
  md: { Markdown: ['md'] },
};

export async function saveExport(format: ExportFormat, suggestedName: string, content: string | Uint8Array): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const fileName = safeFileName(suggestedName, format);
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: FILTERS[format],
    saveLabel: `Save ${format.toUpperCase()}`,
  });
  if (!target) return;
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  try {
    await vscode.workspace.fs.writeFile(target, bytes);
  } catch (e) {
    void vscode.window.showErrorMessage(`Could not save ${target.fsPath}: ${(e as Error).message}`);
  }
}

export async function copyText(text: string, description: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(`Copied ${description} to the clipboard.`);
}
