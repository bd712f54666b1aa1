/**
 * The extension host's state for one window: settings, the run store and manager, the Runs view, the
 * status bar, the logs and the watcher, plus the few operations several commands share (launching a
 * run, picking runs, the trust check). Commands live in ./commands/, one file per concern.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunConfig } from '../../shared/protocol';
import { DEFAULT_HOST_SETTINGS, runDefaultsFromSettings, trainerEnvironment, type HostSettings } from '../config/hostSettings';
import { FOLDER_DATASETS, resolveRunConfig } from '../config/resolveRunConfig';
import { resolveAgainst } from '../config/workspacePaths';
import { checkDatasetFolder, type SplitCounts } from '../datasets/datasetFolderCheck';
import { dataSizeProblem } from '../datasets/dataSizeCheck';
import { runDirsFromArgs } from '../runs/runArgs';
import type { RunsViewMode } from '../runs/runGrouping';
import { RunManager, type RunManagerEvent } from '../runs/runManager';
import { formatLoss, formatPercent, runLabel } from '../runs/runPresentation';
import { RunStore, type RunSnapshot } from '../runs/runStore';
import { SlurmWatch } from '../runs/slurmWatch';
import type { CliRuntime, FeatureHost } from './featureHost';
import { RunLogs } from './runLogs';
import { RUNS_VIEW_ID, RunsStatusBar } from './runsStatusBar';
import { RunsTreeProvider, type RunsNode } from './runsTreeProvider';
import { RunsWatcher } from './runsWatcher';
import { readSettings, SETTINGS_SECTION, workspaceBase } from './settings';

const LAST_RUN_KEY = 'dclExplorer.lastRunConfig';
const EXTRA_ROOTS_KEY = 'dclExplorer.extraRunRoots';
const VIEW_MODE_KEY = 'dclExplorer.runsViewMode';
/** Context key read by the view-title menus to show the right toggle. */
const VIEW_MODE_CONTEXT = 'dclExplorer.runsViewMode';

export class DclHost implements vscode.Disposable, FeatureHost {
  readonly store: RunStore;
  /** Writes how Slurm jobs ended (killed, cancelled, crashed) into their runs' status.json. */
  readonly slurmWatch: SlurmWatch;
  readonly manager: RunManager;
  readonly logs = new RunLogs();
  readonly tree: RunsTreeProvider;
  readonly treeView: vscode.TreeView<RunsNode>;
  private readonly statusBar: RunsStatusBar;
  private readonly watcher: RunsWatcher;
  private currentSettings: HostSettings = DEFAULT_HOST_SETTINGS;
  private readonly reportedProblems = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly context: vscode.ExtensionContext,
    trainerPath: string = context.asAbsolutePath(path.join('dist', 'trainer.js')),
  ) {
    this.loadSettings();
    this.manager = new RunManager({
      trainerPath,
      execPath: () => this.nodePath(),
      maxConcurrent: () => this.currentSettings.maxConcurrentRuns,
      stopTimeoutMs: () => this.currentSettings.stopTimeoutSeconds * 1000,
      env: () => trainerEnvironment(this.currentSettings, process.env, os.availableParallelism()),
      cwd: () => workspaceBase() ?? this.runsRoot() ?? process.cwd(),
    });
    this.store = new RunStore({ roots: this.roots(), isOwned: this.manager.isOwned });
    this.slurmWatch = new SlurmWatch(this.store);

    const mode = context.workspaceState.get<RunsViewMode>(VIEW_MODE_KEY, 'state');
    this.tree = new RunsTreeProvider(this.store, mode);
    this.treeView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: false });
    this.treeView.message = 'Loading runs…';
    void vscode.commands.executeCommand('setContext', VIEW_MODE_CONTEXT, mode);
    this.statusBar = new RunsStatusBar(this.store);
    this.watcher = new RunsWatcher(this.store);

    this.disposables.push(
      this.treeView,
      this.tree,
      this.statusBar,
      this.watcher,
      this.slurmWatch,
      this.logs,
      this.store.onDidChange(() => this.onStoreChange()),
      this.manager.onOutput((o) => this.logs.append(o)),
      this.manager.onTrainerMessage((m) => {
        // The doorbell: the trainer appended events to metrics.jsonl; read them now rather than at the next poll.
        if (m.message.type === 'flushed') this.watcher.refreshSoon();
      }),
      this.manager.onDidChange((e) => this.onManagerEvent(e)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS_SECTION)) this.onSettingsChange();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.store.setRoots(this.roots())),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.onSettingsChange()),
    );
    // The first scan runs after activation returns, keeping activation cheap.
    setTimeout(() => void this.store.refresh().then(() => this.onStoreChange()), 0);
  }

  get settings(): HostSettings {
    return this.currentSettings;
  }

  /** Run defaults from the settings (built-in defaults where nothing is set). */
  settingsDefaults(): RunConfig {
    return runDefaultsFromSettings(this.currentSettings);
  }

  /** Defaults for the start flow: the last run's config (still valid), else the settings. */
  lastRunDefaults(): RunConfig {
    const base = this.settingsDefaults();
    const last = this.context.workspaceState.get<unknown>(LAST_RUN_KEY);
    const resolved = last ? resolveRunConfig(last, base) : undefined;
    // New runs go where the setting says now, even if the last one went elsewhere.
    return resolved?.ok ? { ...resolved.config, runsDir: base.runsDir } : base;
  }

  /** The runs folder of the setting, absolute; undefined when it is relative and no folder is open. */
  runsRoot(): string | undefined {
    return resolveAgainst(workspaceBase(), this.currentSettings.runsDirectory);
  }

  runsRootOrWarn(): string | undefined {
    const root = this.runsRoot();
    if (!root) void vscode.window.showWarningMessage('Open a folder first: runs live in "dclExplorer.runsDirectory" inside the workspace.');
    return root;
  }

  /** The Node.js for trainer children and CLI jobs: dclExplorer.nodePath, else the editor's own runtime. */
  nodePath(): string {
    return this.currentSettings.nodePath || process.execPath;
  }

  cliRuntime(): CliRuntime {
    return { nodePath: this.nodePath(), cliPath: this.context.asAbsolutePath(path.join('dist', 'cli.js')) };
  }

  setViewMode(mode: RunsViewMode): void {
    this.tree.setViewMode(mode);
    void this.context.workspaceState.update(VIEW_MODE_KEY, mode);
    void vscode.commands.executeCommand('setContext', VIEW_MODE_CONTEXT, mode);
  }

  /** False (after telling the user why) in an untrusted workspace. */
  requireTrust(action: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showWarningMessage(
        `DCL Explorer cannot ${action} in an untrusted workspace: a run executes the trainer with this workspace's settings and data. Browsing and deleting existing runs still work.`,
        'Manage Workspace Trust',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  }

  /**
   * Checks a complete config and starts it: the dataset folder is checked first, so a wrong folder is an
   * error here rather than a failed run. `runsRoot` overrides where the folder goes (a rerun goes next
   * to its original). Resolves with the run folder, or undefined if nothing started.
   */
  async launch(config: RunConfig, options: { runsRoot?: string } = {}): Promise<string | undefined> {
    if (!this.requireTrust('start runs')) return undefined;
    const base = workspaceBase();
    const root = options.runsRoot ?? resolveAgainst(base, config.runsDir);
    if (!root) {
      void vscode.window.showErrorMessage(
        `Cannot start the run: the runs folder "${config.runsDir}" is relative and no folder is open. Open a folder, or set "dclExplorer.runsDirectory" (or "runsDir" in the config) to an absolute path.`,
      );
      return undefined;
    }
    // The data checks the CLI makes before it creates a run folder: the folder's files, then subset,
    // testSubset and the batch size against the images there.
    let counts: SplitCounts | undefined;
    if (FOLDER_DATASETS.includes(config.dataset)) {
      const dataDir = config.dataDir ? resolveAgainst(base, config.dataDir) : undefined;
      if (config.dataDir && !dataDir) {
        void vscode.window.showErrorMessage(`Cannot start the run: "dataDir" ("${config.dataDir}") is relative and no folder is open. Open the folder it is relative to, or use an absolute path.`);
        return undefined;
      }
      const testDir = config.testDir ? resolveAgainst(base, config.testDir) : undefined;
      if (config.testDir && !testDir) {
        void vscode.window.showErrorMessage(`Cannot start the run: "testDir" ("${config.testDir}") is relative and no folder is open. Open the folder it is relative to, or use an absolute path.`);
        return undefined;
      }
      const check = await checkDatasetFolder(config.dataset, dataDir, { testDir });
      if (!check.ok) {
        void vscode.window.showErrorMessage(`Cannot start the run: ${check.problem}`);
        return undefined;
      }
      counts = check.counts;
    } else {
      const builtIn = await checkDatasetFolder(config.dataset, undefined);
      if (builtIn.ok) counts = builtIn.counts;
    }
    const sizeProblem = dataSizeProblem(config, counts);
    if (sizeProblem) {
      void vscode.window.showErrorMessage(`Cannot start the run: ${sizeProblem}`);
      return undefined;
    }
    let runDir: string;
    try {
      runDir = await this.manager.start(config, root);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot start the run: ${(e as Error).message}`);
      return undefined;
    }
    await this.context.workspaceState.update(LAST_RUN_KEY, config);
    if (!this.store.runRoots.includes(path.resolve(root))) await this.rememberRoot(root);
    await this.store.refresh();
    this.revealRun(runDir);
    if (this.currentSettings.openChartsOnStart) {
      // The charts module registers this command; a failure there must not look like a failed start.
      vscode.commands.executeCommand('dclExplorer.openCharts', runDir).then(undefined, (e: unknown) => {
        this.logs.note(runDir, `could not open the charts: ${e instanceof Error ? e.message : String(e)}`);
      });
    }
    return runDir;
  }

  /**
   * The runs named by a command's arguments (tree items, paths, Uris), or — when invoked from the command
   * palette without any — the ones the user picks among those that `eligible` accepts.
   */
  async pickRuns(args: readonly unknown[], options: { eligible: (r: RunSnapshot) => boolean; placeholder: string; none: string; many?: boolean }): Promise<string[]> {
    const named = runDirsFromArgs(args);
    if (named.length) return named.map((d) => path.resolve(d));
    const candidates = this.store.list().filter(options.eligible);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(options.none);
      return [];
    }
    const items = candidates.map((r) => ({ label: runLabel(r.config, r.runId), description: `${r.state} · ${r.runId}`, runDir: r.runDir }));
    if (options.many) {
      const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeholder, canPickMany: true });
      return picked?.map((p) => p.runDir) ?? [];
    }
    const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeholder });
    return picked ? [picked.runDir] : [];
  }

  /** A run's label for messages, from the store or, failing that, its folder name. */
  label(runDir: string): string {
    const run = this.store.get(runDir);
    return run ? runLabel(run.config, run.runId) : path.basename(runDir);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.store.dispose();
  }

  /** Stops this window's runs; called from deactivate, which VS Code only awaits for a few seconds. */
  shutdown(): Promise<void> {
    return this.manager.dispose();
  }

  private revealRun(runDir: string): void {
    const node = this.tree.nodeFor(runDir);
    if (node && this.treeView.visible) void this.treeView.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  }

  private roots(): string[] {
    const extra = this.context.workspaceState.get<string[]>(EXTRA_ROOTS_KEY, []);
    const main = this.runsRoot();
    return [...new Set([...(main ? [main] : []), ...extra])];
  }

  private async rememberRoot(root: string): Promise<void> {
    const extra = this.context.workspaceState.get<string[]>(EXTRA_ROOTS_KEY, []);
    await this.context.workspaceState.update(EXTRA_ROOTS_KEY, [...new Set([...extra, path.resolve(root)])]);
    await this.store.setRoots(this.roots());
  }

  private loadSettings(): void {
    const { settings, problems } = readSettings();
    this.currentSettings = settings;
    for (const problem of problems) {
      if (this.reportedProblems.has(problem)) continue;
      this.reportedProblems.add(problem);
      void vscode.window.showWarningMessage(problem, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', SETTINGS_SECTION);
      });
    }
  }

  private onSettingsChange(): void {
    const before = this.runsRoot();
    this.loadSettings();
    if (this.runsRoot() !== before) void this.store.setRoots(this.roots());
    this.manager.pump();
  }

  private onStoreChange(): void {
    const problems = this.store.rootProblems;
    this.treeView.message = !this.store.loaded ? 'Loading runs…' : problems.length ? problems.join('\n') : undefined;
    if (!this.runsRoot() && this.store.loaded) {
      this.treeView.message = `Open a folder to keep runs in its "${this.currentSettings.runsDirectory}" folder, or set "dclExplorer.runsDirectory" to an absolute path.`;
    }
    this.tree.refresh();
    this.statusBar.update();
  }

  private onManagerEvent(e: RunManagerEvent): void {
    switch (e.kind) {
      case 'launched':
        this.logs.note(e.runDir, `trainer started (pid ${e.pid ?? '?'}) for ${e.runDir}`);
        break;
      case 'stopping':
        this.logs.note(e.runDir, 'stop requested');
        break;
      case 'ended':
        this.logs.note(e.runDir, `run ${e.outcome.state}${e.outcome.error ? `: ${e.outcome.error}` : ''}`);
        void this.store.refresh().then(() => this.announceEnd(e));
        break;
      case 'queued':
        break;
    }
    void this.store.refresh();
  }

  private announceEnd(e: Extract<RunManagerEvent, { kind: 'ended' }>): void {
    const label = this.label(e.runDir);
    if (e.outcome.state === 'failed') {
      // The last stderr lines, except one the error already quotes.
      const tail = (e.exit?.stderrTail ?? []).map((l) => l.trim()).filter((l) => l !== '').slice(-3).filter((l) => !(e.outcome.error ?? '').includes(l));
      const lastLines = tail.length ? ` Last output: ${tail.join(' ⏎ ')}` : '';
      void vscode.window.showErrorMessage(`DCL run "${label}" failed: ${e.outcome.error ?? 'unknown error'}${lastLines}`, 'Show log').then((choice) => {
        if (choice) void this.logs.show(e.runDir);
      });
    } else if (e.outcome.state === 'finished') {
      const run = this.store.get(e.runDir);
      const facts = [
        run?.metrics.loss !== undefined ? `loss ${formatLoss(run.metrics.loss)}` : undefined,
        run?.metrics.knnAccuracy !== undefined ? `kNN ${formatPercent(run.metrics.knnAccuracy, 1)}` : undefined,
      ].filter(Boolean);
      void vscode.window.showInformationMessage(`DCL run "${label}" finished${facts.length ? `: ${facts.join(', ')}` : ''}.`, 'Open charts').then((choice) => {
        if (choice) void vscode.commands.executeCommand('dclExplorer.openCharts', e.runDir);
      });
    }
  }
}
