/**
 * DCL Explorer's entry point. Activation only wires things up (commands, the Runs view, the status bar);
 * the first scan of the runs folder starts right after, and TensorFlow.js never loads here: training
 * happens in a child process (dist/trainer.js).
 */
import * as vscode from 'vscode';
import { registerCharts } from './host/charts/register';
import { registerProjection } from './host/projection/register';
import type { RunManager } from './host/runs/runManager';
import type { RunStore } from './host/runs/runStore';
import { registerExportWeightsCommands } from './host/vscode/commands/exportWeightsCommands';
import { registerLinearEvalCommands } from './host/vscode/commands/linearEvalCommands';
import { registerRunActionCommands } from './host/vscode/commands/runActionCommands';
import { registerStartRunCommands } from './host/vscode/commands/startRunCommands';
import { registerSweepCommands } from './host/vscode/commands/sweepCommands';
import { registerViewCommands } from './host/vscode/commands/viewCommands';
import { DclHost } from './host/vscode/dclHost';
import type { RunsTreeProvider } from './host/vscode/runsTreeProvider';

/** What activate() returns: used by the integration tests and open to other extensions. */
export interface DclExplorerApi {
  store: RunStore;
  manager: RunManager;
  runsTree: RunsTreeProvider;
}

let host: DclHost | undefined;

export function activate(context: vscode.ExtensionContext): DclExplorerApi {
  host = new DclHost(context);
  context.subscriptions.push(
    host,
    ...registerStartRunCommands(host),
    ...registerRunActionCommands(host),
    ...registerViewCommands(host),
    ...registerSweepCommands(host),
    // Features receive the host (its validated settings, runs folder and CLI runtime), as the commands above do.
    ...registerExportWeightsCommands(host),
    ...registerLinearEvalCommands(host),
    ...registerCharts(host),
    ...registerProjection(host),
  );
  return { store: host.store, manager: host.manager, runsTree: host.tree };
}

export async function deactivate(): Promise<void> {
  // Ask this window's trainers to stop so they checkpoint and record `stopped` rather than being orphaned.
  await host?.shutdown();
  host = undefined;
}
