/**
 * The Runs view: one item per run, optionally grouped by state. Elements are plain objects that carry
 * `runDir` (absolute), because VS Code hands the element — not the TreeItem — to context-menu commands,
 * including the charts, compare and projection commands registered by other modules.
 *
 * The view is served from a model rebuilt on `refresh()` (not read from the store on each call), and a
 * refresh tells VS Code only what changed: the items whose look changed and the groups whose runs changed.
 * The whole tree is refreshed only when its top level changes (a group or sweep appears or goes, a run is
 * added in the by-date order), and only when VS Code has asked for the top level since the last time. A
 * whole-tree refresh makes VS Code's extension host forget every item; a request VS Code had already
 * sent for the children of an item it was showing (an expanded group, as a window reload restores it)
 * then fails with "No tree item with id '1/group:…' found". So elements are kept (same objects, updated in
 * place) across refreshes, and a run's item id includes its parent's, so a run moving to another group
 * is a new item there rather than one VS Code still holds under its old group.
 */
import * as vscode from 'vscode';
import type { RunState } from '../../shared/protocol';
import { groupByState, sortByDate, type RunsViewMode } from '../runs/runGrouping';
import { runContextValue, runDescription, runLabel, runTooltipMarkdown, STATE_COLORS, STATE_ICONS, STATE_TITLES } from '../runs/runPresentation';
import type { RunSnapshot, RunStore } from '../runs/runStore';
import { groupSweeps, sweepActive, sweepLabel, sweepSummary, type SweepGroup } from '../runs/sweepGrouping';

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

/** What an element looks like as a tree item, as plain data (compared between refreshes). */
interface ItemLook {
  label: string;
  description?: string;
  tooltip?: { markdown: string } | string;
  icon?: { id: string; color?: string };
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

/** The tree as VS Code is shown it: elements by item id, their children and their looks. */
interface TreeModel {
  roots: RunsNode[];
  /** Item id of a group or sweep → its runs. */
  children: Map<string, RunsNode[]>;
  nodes: Map<string, RunsNode>;
  looks: Map<string, ItemLook>;
}

const emptyModel = (): TreeModel => ({ roots: [], children: new Map(), nodes: new Map(), looks: new Map() });

const COLLAPSIBLE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode> {
  private readonly changeEmitter = new vscode.EventEmitter<RunsNode | RunsNode[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private mode: RunsViewMode;
  private model = emptyModel();
  /** VS Code has asked for the top level since the last whole-tree refresh (so it holds items to update). */
  private rootServed = false;

  constructor(
    private readonly store: RunStore,
    initialMode: RunsViewMode,
  ) {
    this.mode = initialMode;
    this.model = this.build(this.model);
  }

  get viewMode(): RunsViewMode {
    return this.mode;
  }

  setViewMode(mode: RunsViewMode): void {
    this.mode = mode;
    this.refresh();
  }

  /** Rebuilds the model from the store and tells VS Code what changed (nothing, some items, or all). */
  refresh(): void {
    const before = this.model;
    this.model = this.build(before);
    // Until VS Code asks for the top level it holds no item of this tree, and it will get the new model.
    if (!this.rootServed) return;
    if (!sameElements(before.roots, this.model.roots)) {
      this.rootServed = false;
      this.changeEmitter.fire(undefined);
      return;
    }
    const changed: RunsNode[] = [];
    for (const [id, node] of this.model.nodes) {
      if (!before.nodes.has(id)) continue; // new: its parent's children changed (or, at the top, the roots)
      const lookChanged = JSON.stringify(before.looks.get(id)) !== JSON.stringify(this.model.looks.get(id));
      if (lookChanged || !sameElements(before.children.get(id) ?? [], this.model.children.get(id) ?? [])) changed.push(node);
    }
    if (changed.length) this.changeEmitter.fire(changed);
  }

  /** The element for a run (for TreeView.reveal). */
  nodeFor(runDir: string): RunNode | undefined {
    const run = this.store.get(runDir);
    const node = run ? this.model.nodes.get(this.runId(run)) : undefined;
    return node?.kind === 'run' ? node : undefined;
  }

  getChildren(element?: RunsNode): RunsNode[] {
    if (!element) {
      this.rootServed = true;
      return [...this.model.roots];
    }
    // A group or sweep that is gone (VS Code may still ask, until its refresh arrives) has no runs.
    return element.kind === 'run' ? [] : [...(this.model.children.get(this.itemId(element)) ?? [])];
  }

  getParent(element: RunsNode): RunsNode | undefined {
    if (element.kind !== 'run') return undefined;
    const parent = this.parentId(element.run);
    return parent ? this.model.nodes.get(parent) : undefined;
  }

  getTreeItem(element: RunsNode): vscode.TreeItem {
    const id = this.itemId(element);
    // The look the model holds for its own elements; others (made by callers) are looked at afresh.
    const look = (this.model.nodes.get(id) === element ? this.model.looks.get(id) : undefined) ?? this.lookOf(element, this.sweepOf(element));
    const item = new vscode.TreeItem(look.label, COLLAPSIBLE[look.collapsible]);
    // Ids keep expansion, selection and focus on the same item across refreshes.
    item.id = id;
    item.description = look.description;
    item.contextValue = look.contextValue;
    if (look.icon) item.iconPath = new vscode.ThemeIcon(look.icon.id, look.icon.color ? new vscode.ThemeColor(look.icon.color) : undefined);
    if (typeof look.tooltip === 'string') item.tooltip = look.tooltip;
    else if (look.tooltip) {
      const tooltip = new vscode.MarkdownString(look.tooltip.markdown, true);
      tooltip.isTrusted = false;
      item.tooltip = tooltip;
    }
    if (element.kind === 'run') item.command = { command: 'dclExplorer.openCharts', title: 'Open charts', arguments: [element] };
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  /** The model of the store's runs, reusing (and updating) the elements of `before` that are still there. */
  private build(before: TreeModel): TreeModel {
    const next = emptyModel();
    const keep = <T extends RunsNode>(fresh: T, sweep?: SweepGroup): T => {
      const id = this.itemId(fresh);
      const old = before.nodes.get(id);
      const node = (old?.kind === fresh.kind ? Object.assign(old, fresh) : fresh);
      next.nodes.set(id, node);
      next.looks.set(id, this.lookOf(node, sweep));
      return node;
    };
    const runNodes = (runs: RunSnapshot[]): RunsNode[] => runs.map((run) => keep<RunNode>({ kind: 'run', runDir: run.runDir, run }));
    const { sweeps, loose } = groupSweeps(this.store.list());
    for (const sweep of sweeps) {
      const node = keep<SweepNode>({ kind: 'sweep', sweepId: sweep.sweepId, runDirs: sweep.runs.map((r) => r.runDir) }, sweep);
      next.roots.push(node);
      next.children.set(this.itemId(node), runNodes(sortByDate(sweep.runs)));
    }
    if (this.mode === 'date') {
      next.roots.push(...runNodes(sortByDate(loose)));
      return next;
    }
    for (const group of groupByState(loose)) {
      const node = keep<GroupNode>({ kind: 'group', state: group.state, count: group.runs.length });
      next.roots.push(node);
      next.children.set(this.itemId(node), runNodes(group.runs));
    }
    return next;
  }

  private itemId(element: RunsNode): string {
    if (element.kind === 'sweep') return `sweep:${element.sweepId}`;
    if (element.kind === 'group') return `group:${element.state}`;
    return this.runId(element.run);
  }

  /** A run's item id: its folder, under the id of the group or sweep it is listed in. */
  private runId(run: RunSnapshot): string {
    const parent = this.parentId(run);
    return parent ? `${parent}/${run.runDir}` : run.runDir;
  }

  private parentId(run: RunSnapshot): string | undefined {
    const sweepId = run.config?.sweepId;
    if (typeof sweepId === 'string' && sweepId) return `sweep:${sweepId}`;
    return this.mode === 'state' ? `group:${run.state}` : undefined;
  }

  private sweepOf(element: RunsNode): SweepGroup | undefined {
    return element.kind === 'sweep' ? groupSweeps(this.store.list()).sweeps.find((g) => g.sweepId === element.sweepId) : undefined;
  }

  private lookOf(element: RunsNode, sweep: SweepGroup | undefined): ItemLook {
    if (element.kind === 'sweep') {
      return {
        label: sweep ? sweepLabel(sweep) : `Sweep ${element.sweepId}`,
        description: sweep ? sweepSummary(sweep) : undefined,
        tooltip: `${element.sweepId}: ${element.runDirs.length} runs`,
        icon: { id: sweep && sweepActive(sweep) ? 'sync~spin' : 'layers' },
        contextValue: 'dclSweep',
        collapsible: 'collapsed',
      };
    }
    if (element.kind === 'group') {
      return { label: `${STATE_TITLES[element.state]} (${element.count})`, contextValue: 'dclRunGroup', collapsible: 'expanded' };
    }
    const { run } = element;
    return {
      label: runLabel(run.config, run.runId),
      description: runDescription(run),
      tooltip: { markdown: runTooltipMarkdown(run) },
      icon: { id: STATE_ICONS[run.state], color: STATE_COLORS[run.state] },
      contextValue: runContextValue(run),
      collapsible: 'none',
    };
  }
}

/** Whether two lists hold the same elements (kept across refreshes, so one id is one object) in order. */
function sameElements(a: readonly RunsNode[], b: readonly RunsNode[]): boolean {
  return a.length === b.length && a.every((node, i) => node === b[i]);
}
