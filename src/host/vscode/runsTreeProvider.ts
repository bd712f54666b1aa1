/**
 * The Runs view: one item per run, optionally grouped by state. Elements are plain objects that carry
 * `runDir` (absolute), because VS Code hands the element — not the TreeItem — to context-menu commands,
 * including the charts, compare and projection commands registered by other modules.
 */
import * as vscode from 'vscode';
import type { RunState } from '../../shared/protocol';
import { groupByState, sortByDate, type RunsViewMode } from '../runs/runGrouping';
import { runContextValue, runDescription, runLabel, runTooltipMarkdown, STATE_COLORS, STATE_ICONS, STATE_TITLES } from '../runs/runPresentation';
import type { RunSnapshot, RunStore } from '../runs/runStore';

export interface RunNode {
  kind: 'run';
  /** Absolute path of the run folder. */
  runDir: string;
  run: RunSnapshot;
}

export interface GroupNode {
  kind: 'group';
  state: RunState;
  count: number;
}

export type RunsNode = RunNode | GroupNode;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode> {
  private readonly changeEmitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private mode: RunsViewMode;

  constructor(
    private readonly store: RunStore,
    initialMode: RunsViewMode,
  ) {
    this.mode = initialMode;
  }

  get viewMode(): RunsViewMode {
    return this.mode;
  }

  setViewMode(mode: RunsViewMode): void {
    this.mode = mode;
    this.refresh();
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  /** The element for a run (for TreeView.reveal). */
  nodeFor(runDir: string): RunNode | undefined {
    const run = this.store.get(runDir);
    return run ? { kind: 'run', runDir: run.runDir, run } : undefined;
  }

  getChildren(element?: RunsNode): RunsNode[] {
    const runs = this.store.list();
    if (!element) {
      if (this.mode === 'date') return sortByDate(runs).map((run) => ({ kind: 'run', runDir: run.runDir, run }));
      return groupByState(runs).map((g) => ({ kind: 'group', state: g.state, count: g.runs.length }));
    }
    if (element.kind === 'group') {
      return runs.filter((r) => r.state === element.state).map((run) => ({ kind: 'run', runDir: run.runDir, run }));
    }
    return [];
  }

  getParent(element: RunsNode): RunsNode | undefined {
    if (element.kind === 'group' || this.mode === 'date') return undefined;
    const count = this.store.list().filter((r) => r.state === element.run.state).length;
    return { kind: 'group', state: element.run.state, count };
  }

  getTreeItem(element: RunsNode): vscode.TreeItem {
    if (element.kind === 'group') {
      const item = new vscode.TreeItem(`${STATE_TITLES[element.state]} (${element.count})`, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${element.state}`;
      item.contextValue = 'dclRunGroup';
      return item;
    }
    const { run } = element;
    const item = new vscode.TreeItem(runLabel(run.config, run.runId), vscode.TreeItemCollapsibleState.None);
    // The id keeps selection and focus on the same run across refreshes (and across regrouping).
    item.id = run.runDir;
    item.description = runDescription(run);
    const color = STATE_COLORS[run.state];
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[run.state], color ? new vscode.ThemeColor(color) : undefined);
    const tooltip = new vscode.MarkdownString(runTooltipMarkdown(run), true);
    tooltip.isTrusted = false;
    item.tooltip = tooltip;
    item.contextValue = runContextValue(run);
    item.command = { command: 'dclExplorer.openCharts', title: 'Open charts', arguments: [element] };
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
