/** Runs view title actions: refresh and the group-by-state / sort-by-date toggle. */
import * as vscode from 'vscode';
import type { DclHost } from '../dclHost';

export function registerViewCommands(host: DclHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dclExplorer.refreshRuns', () => host.store.refresh()),
    vscode.commands.registerCommand('dclExplorer.groupRunsByState', () => host.setViewMode('state')),
    vscode.commands.registerCommand('dclExplorer.sortRunsByDate', () => host.setViewMode('date')),
  ];
}
