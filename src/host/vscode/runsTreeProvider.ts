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
import { groupSweeps, sweepLabel, sweepSummary } from '../runs/sweepGrouping';

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

/** The runs of one sweep (same config.sweepId), listed under one item in both view modes. */
export interface SweepNode {
  kind: 'sweep';
  sweepId: string;
  /** Absolute run folders of the sweep (the compare-sweep command reads them). */
  runDirs: string[];
}

export type RunsNode = RunNode | GroupNode | SweepNode;

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
    const { sweeps, loose: runs } = groupSweeps(this.store.list());
    if (!element) {
      const sweepNodes: RunsNode[] = sweeps.map((g) => ({ kind: 'sweep', sweepId: g.sweepId, runDirs: g.runs.map((r) => r.runDir) }));
      if (this.mode === 'date') return [...sweepNodes, ...sortByDate(runs).map((run): RunsNode => ({ kind: 'run', runDir: run.runDir, run }))];
      return [...sweepNodes, ...groupByState(runs).map((g): RunsNode => ({ kind: 'group', state: g.state, count: g.runs.length }))];
    }
    if (element.kind === 'sweep') {
      const group = sweeps.find((g) => g.sweepId === element.sweepId);
      return sortByDate(group?.runs ?? []).map((run) => ({ kind: 'run', runDir: run.runDir, run }));
    }
    if (element.kind === 'group') {
      return runs.filter((r) => r.state === element.state).map((run) => ({ kind: 'run', runDir: run.runDir, run }));
    }
    return [];
  }

  getParent(element: RunsNode): RunsNode | undefined {
    if (element.kind !== 'run') return undefined;
    const sweepId = element.run.config?.sweepId;
    if (typeof sweepId === 'string' && sweepId) {
      const group = groupSweeps(this.store.list()).sweeps.find((g) => g.sweepId === sweepId);
      return { kind: 'sweep', sweepId, runDirs: group?.runs.map((r) => r.runDir) ?? [] };
    }
    if (this.mode === 'date') return undefined;
    const count = groupSweeps(this.store.list()).loose.filter((r) => r.state === element.run.state).length;
    return { kind: 'group', state: element.run.state, count };
  }

  getTreeItem(element: RunsNode): vscode.TreeItem {
    if (element.kind === 'sweep') {
      const group = groupSweeps(this.store.list()).sweeps.find((g) => g.sweepId === element.sweepId);
      const item = new vscode.TreeItem(group ? sweepLabel(group) : `Sweep ${element.sweepId}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `sweep:${element.sweepId}`;
      item.description = group ? sweepSummary(group) : undefined;
      item.tooltip = `${element.sweepId}: ${element.runDirs.length} runs`;
      item.iconPath = new vscode.ThemeIcon(group && group.counts.running + group.counts.queued > 0 ? 'sync~spin' : 'layers');
      item.contextValue = 'dclSweep';
      return item;
    }
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
