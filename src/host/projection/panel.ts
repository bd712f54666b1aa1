/**
 * The projection panel: one or two runs side by side. The webview drives it (it asks for a selection per
 * view); the host answers by running `dcl-explorer project` as a child process (progress notification with
 * Cancel), then sends the result as typed arrays. Nearest neighbours and thumbnails are answered from
 * files read once per snapshot.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EmbeddingEntry } from '../../shared/embeddingFiles';
import { parseProjectionToHost, type HostToProjection, type ProjectionToHost, type Selection } from '../../shared/projectionMessages';
import { RUN_FILES } from '../../shared/protocol';
import { CancelledError, projectCliArgs, startCliJob, type CliJob } from './cliJob';
import { exportSnapshotTsv } from './exportTsv';
import { makeNonce, projectionHtml, PROJECTION_VIEW_TYPE } from './html';
import { CosineIndex } from './neighbours';
import { pickRun } from './pickRun';
import type { FeatureHost } from '../vscode/featureHost';
import { listSnapshots, readSampleImageFile, readVectors } from './runFiles';
import { buildCatalog, loadProjectionPayload, ThumbnailLookup } from './viewData';

export const MAX_VIEWS = 2;
const METHOD_NAMES = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE' } as const;
/** A notification only for jobs that outlast this; PCA from the cache answers well before. */
const NOTIFY_AFTER_MS = 800;

interface Shown {
  entry: EmbeddingEntry;
  indices: Int32Array;
}

export class ProjectionPanel implements vscode.Disposable {
  private static readonly open = new Set<ProjectionPanel>();
  private runs: string[];
  private readonly jobs = new Map<number, { job: CliJob; requestId: number }>();
  private readonly shown = new Map<number, Shown>();
  private readonly indexes = new Map<string, Promise<CosineIndex>>();
  private readonly thumbs = new Map<string, Promise<ThumbnailLookup | null>>();
  private watchers: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private catalogTimer: NodeJS.Timeout | undefined;

  /** Opens a panel for `runs` (1–2 run folders), or reveals one already showing exactly them. */
  static show(host: FeatureHost, runs: string[]): ProjectionPanel {
    const existing = [...ProjectionPanel.open].find((p) => p.runs.length === runs.length && p.runs.every((r, i) => r === runs[i]));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PROJECTION_VIEW_TYPE, 'Projection', vscode.ViewColumn.Active, ProjectionPanel.options(host.context));
    return new ProjectionPanel(host, panel, runs);
  }

  static revive(host: FeatureHost, panel: vscode.WebviewPanel, runs: string[]): ProjectionPanel {
    panel.webview.options = ProjectionPanel.options(host.context);
    return new ProjectionPanel(host, panel, runs);
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // State lives in getState/setState, so a hidden panel may be torn down and rebuilt.
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly host: FeatureHost,
    readonly panel: vscode.WebviewPanel,
    runs: string[],
  ) {
    this.runs = runs.slice(0, MAX_VIEWS);
    ProjectionPanel.open.add(this);
    const webview = panel.webview;
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(host.context.extensionUri, 'dist', 'webview', name)).toString();
    webview.html = projectionHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUris: [asset('projection.js')], styleUris: [asset('projection.css')] });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    this.updateTitle();
    this.watchRuns();
  }

  private post(message: HostToProjection): void {
    void this.panel.webview.postMessage(message);
  }

  private updateTitle(): void {
    this.panel.title = `Projection: ${this.runs.map((r) => path.basename(r)).join(' vs ')}`;
  }

  /** New snapshots appear while a run trains: refresh the catalog (debounced) so the epoch list grows. */
  private watchRuns(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = this.runs.map((runDir) => {
      // Based at the run folder: embeddings/ may not exist yet when a run has just started.
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runDir), `${RUN_FILES.embeddings}/e*.json`));
      const changed = () => {
        clearTimeout(this.catalogTimer);
        this.catalogTimer = setTimeout(() => void this.postCatalog(), 500);
      };
      watcher.onDidCreate(changed);
      watcher.onDidDelete(changed);
      return watcher;
    });
  }

  private async postCatalog(): Promise<void> {
    const views = await Promise.all(this.runs.map((runDir, slot) => buildCatalog(slot, runDir)));
    this.post({ type: 'catalog', views });
  }

  private onMessage(raw: unknown): void {
    const m = parseProjectionToHost(raw);
    if (typeof m === 'string') {
      console.warn(`dcl-explorer projection: ignored a webview message: ${m}`);
      return;
    }
    void this.handle(m).catch((e: unknown) => {
      void vscode.window.showErrorMessage(`Projection: ${(e as Error).message}`);
    });
  }

  private async handle(m: ProjectionToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.postCatalog();
      case 'select':
        return this.project(m.slot, m.requestId, m);
      case 'neighbours':
        return this.neighbours(m.slot, m.point, m.k);
      case 'thumbnail':
        return this.thumbnail(m.slot, m.point);
      case 'compare': {
        const picked = await pickRun(this.host, 'Compare with which run?', this.runs);
        if (!picked) return;
        this.runs = [this.runs[0], picked];
        this.afterRunsChanged();
        return;
      }
      case 'closeCompare':
        if (this.runs.length < 2 || m.slot >= this.runs.length) return;
        this.jobs.get(m.slot)?.job.cancel();
        this.runs.splice(m.slot, 1);
        this.afterRunsChanged();
        return;
      case 'export': {
        const runDir = this.runs[m.slot];
        if (runDir) await exportSnapshotTsv(this.host, runDir, m.epoch, m.layer);
        return;
      }
    }
  }

  private afterRunsChanged(): void {
    for (const { job } of this.jobs.values()) job.cancel();
    this.jobs.clear();
    this.shown.clear();
    this.updateTitle();
    this.watchRuns();
    void this.postCatalog();
  }

  private async project(slot: number, requestId: number, selection: Selection): Promise<void> {
    const runDir = this.runs[slot];
    if (!runDir) return;
    this.jobs.get(slot)?.job.cancel();
    const entry = (await listSnapshots(runDir)).find((s) => s.epoch === selection.epoch && s.layer === selection.layer);
    if (!entry) {
      this.post({ type: 'error', slot, requestId, message: `No ${selection.layer} snapshot for epoch ${selection.epoch} in ${runDir} (it may have been pruned).` });
      void this.postCatalog();
      return;
    }
    const { nodePath, cliPath } = this.host.cliRuntime();
    const startedAt = Date.now();
    let reportNotification: ((f: number, stage: string) => void) | undefined;
    let last = 0;
    const job = startCliJob({
      nodePath,
      cliPath,
      args: projectCliArgs(runDir, selection),
      onProgress: (f, stage) => {
        this.post({ type: 'busy', slot, requestId, text: stage, progress: f });
        reportNotification?.(f, stage);
        last = f;
      },
    });
    this.jobs.set(slot, { job, requestId });
    this.post({ type: 'busy', slot, requestId, text: 'starting', progress: null });
    const timer = setTimeout(() => {
      const title = `${METHOD_NAMES[selection.method]} of ${path.basename(runDir)}, epoch ${selection.epoch}`;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => job.cancel());
        let shownSoFar = 0;
        reportNotification = (f, stage) => {
          const pct = Math.round(f * 100);
          progress.report({ message: `${stage} ${pct}%`, increment: Math.max(0, pct - shownSoFar) });
          shownSoFar = Math.max(shownSoFar, pct);
        };
        reportNotification(last, '');
        return job.done.catch(() => undefined);
      });
    }, NOTIFY_AFTER_MS);
    try {
      const lines = await job.done;
      const headerPath = lines[lines.length - 1];
      if (!headerPath) throw new Error('dcl-explorer project printed no result path');
      if (this.jobs.get(slot)?.requestId !== requestId) return;
      const payload = await loadProjectionPayload(runDir, headerPath, slot, requestId, startedAt);
      this.shown.set(slot, { entry, indices: payload.indices });
      this.post(payload);
    } catch (e) {
      const message = e instanceof CancelledError ? 'Cancelled.' : (e as Error).message;
      this.post({ type: 'error', slot, requestId, message });
    } finally {
      clearTimeout(timer);
      if (this.jobs.get(slot)?.job === job) this.jobs.delete(slot);
    }
  }

  private async neighbours(slot: number, point: number, k: number): Promise<void> {
    const runDir = this.runs[slot];
    const shown = this.shown.get(slot);
    if (!runDir || !shown) return;
    const key = `${runDir}\0${shown.entry.path}\0${shown.entry.step}`;
    let index = this.indexes.get(key);
    if (!index) {
      // One snapshot's vectors per view stay in memory: drop the others first.
      for (const k2 of this.indexes.keys()) if (k2.startsWith(`${runDir}\0`)) this.indexes.delete(k2);
      index = readVectors(runDir, shown.entry).then((v) => new CosineIndex(v, shown.entry.count, shown.entry.dim));
      this.indexes.set(key, index);
      index.catch(() => this.indexes.delete(key));
    }
    const result = (await index).query(point, Math.min(k, 100));
    this.post({ type: 'neighbours', slot, point, ...result });
  }

  private async thumbnail(slot: number, point: number): Promise<void> {
    const runDir = this.runs[slot];
    const shown = this.shown.get(slot);
    if (!runDir || !shown || point >= shown.indices.length) return;
    let lookup = this.thumbs.get(runDir);
    if (!lookup) {
      lookup = readSampleImageFile(runDir).then((f) => (f ? new ThumbnailLookup(f.header, f.images) : null));
      this.thumbs.set(runDir, lookup);
      lookup.catch(() => this.thumbs.delete(runDir));
    }
    const l = await lookup;
    const h = l?.header;
    this.post({ type: 'thumbnail', slot, point, height: h?.height ?? 0, width: h?.width ?? 0, channels: h?.channels ?? 0, pixels: l ? l.pixels(shown.indices[point]) : null });
  }

  dispose(): void {
    if (!ProjectionPanel.open.delete(this)) return;
    clearTimeout(this.catalogTimer);
    for (const { job } of this.jobs.values()) job.cancel();
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
    this.panel.dispose();
  }
}
