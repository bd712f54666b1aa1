/**
 * Keeps the run store fresh: file-system watchers on each runs folder for prompt updates, and a poll
 * as the fallback for what watchers miss (network drives, folders created after the watcher, other
 * machines writing to a shared folder). Polling is quick while runs are active and slow otherwise.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RunStore } from '../runs/runStore';

const ACTIVE_POLL_MS = 2000;
const IDLE_POLL_MS = 10_000;
const DEBOUNCE_MS = 200;

export class RunsWatcher implements vscode.Disposable {
  private watchers: vscode.FileSystemWatcher[] = [];
  private watchedRoots = '';
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly storeSubscription: { dispose(): void };

  constructor(private readonly store: RunStore) {
    this.storeSubscription = this.store.onDidChange(() => this.watchRoots());
    this.watchRoots();
    this.schedulePoll();
  }

  /** Refreshes soon, folding bursts (a trainer writes status and metrics together) into one scan. */
  refreshSoon(): void {
    if (this.debounce || this.disposed) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.store.refresh();
    }, DEBOUNCE_MS);
  }

  /**
   * (Re)creates watchers when the roots change or a root comes into existence (the first run creates
   * .dcl/runs; a watcher on a folder that did not exist yet may never report anything).
   */
  watchRoots(): void {
    const key = this.store.runRoots.map((r) => `${r}:${fs.existsSync(r)}`).join('\n');
    if (key === this.watchedRoots || this.disposed) return;
    this.watchedRoots = key;
    for (const w of this.watchers) w.dispose();
    this.watchers = this.store.runRoots.map((root) => {
      // Run folders themselves (created/deleted) and the three files that change while a run goes on.
      const pattern = new vscode.RelativePattern(vscode.Uri.file(root), '{*,*/status.json,*/config.json,*/metrics.jsonl}');
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      watcher.onDidCreate(() => this.refreshSoon());
      watcher.onDidChange(() => this.refreshSoon());
      watcher.onDidDelete(() => this.refreshSoon());
      return watcher;
    });
  }

  private schedulePoll(): void {
    if (this.disposed) return;
    const active = this.store.list().some((r) => r.state === 'running' || r.state === 'queued');
    this.poll = setTimeout(() => {
      void this.store.refresh().finally(() => this.schedulePoll());
    }, active ? ACTIVE_POLL_MS : IDLE_POLL_MS);
  }

  dispose(): void {
    this.disposed = true;
    this.storeSubscription.dispose();
    if (this.debounce) clearTimeout(this.debounce);
    if (this.poll) clearTimeout(this.poll);
    for (const w of this.watchers) w.dispose();
  }
}
