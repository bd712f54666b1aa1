/**
 * One charts webview panel: a single run, or 2–8 runs compared. The panel owns a RunFeed per run while its
 * webview is alive. A hidden panel's webview is destroyed (no retainContextWhenHidden: a 100 000-step
 * history should not stay in memory for a tab nobody looks at), so feeds stop when it hides and restart
 * from the whole history when the reloaded webview says `ready`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CHARTS_VIEW_TYPE,
  parseChartsToHost,
  type ChartsPanelIdentity,
  type HostToChartsMessage,
} from '../../shared/chartsMessages';
import type { FeatureHost } from '../vscode/featureHost';
import { copyText, saveExport } from './exportFiles';
import { NpcProfileJobs } from './npcProfileJobs';
import { RunFeed, type FeedUpdate } from './runFeed';
import { readRunInfo } from './runFolders';
import { makeNonce, webviewHtml } from './webviewHtml';

export const STOP_RUN_COMMAND = 'dclExplorer.stopRun';

function panelKey(identity: ChartsPanelIdentity): string {
  const dirs = identity.runDirs.map((d) => path.resolve(d));
  return `${identity.mode}:${(identity.mode === 'compare' ? [...dirs].sort() : dirs).join('|')}`;
}

function panelTitle(identity: ChartsPanelIdentity): string {
  return identity.mode === 'single' ? `Charts: ${path.basename(identity.runDirs[0])}` : `Compare ${identity.runDirs.length} runs`;
}

export class ChartsPanel {
  private static readonly open = new Map<string, ChartsPanel>();

  private feeds: RunFeed[] = [];
  /** Bumped on every (re)start so callbacks from feeds of an older webview load are ignored. */
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly npcProfiles: NpcProfileJobs;

  /** Reveals the panel for these runs, creating it when none is open. */
  static show(host: FeatureHost, identity: ChartsPanelIdentity, options: { preserveFocus?: boolean } = {}): ChartsPanel {
    const existing = ChartsPanel.open.get(panelKey(identity));
    if (existing) {
      existing.panel.reveal(undefined, options.preserveFocus);
      return existing;
    }
    const column = options.preserveFocus ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(CHARTS_VIEW_TYPE, panelTitle(identity), { viewColumn: column, preserveFocus: options.preserveFocus }, ChartsPanel.webviewOptions(host.context));
    return new ChartsPanel(host, panel, identity);
  }

  /** Re-attaches a panel VS Code restored after a window reload. */
  static revive(host: FeatureHost, panel: vscode.WebviewPanel, identity: ChartsPanelIdentity): ChartsPanel {
    const key = panelKey(identity);
    const existing = ChartsPanel.open.get(key);
    if (existing) existing.panel.dispose(); // two restored copies of one panel: keep the newest
    panel.webview.options = ChartsPanel.webviewOptions(host.context);
    return new ChartsPanel(host, panel, identity);
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly host: FeatureHost,
    private readonly panel: vscode.WebviewPanel,
    readonly identity: ChartsPanelIdentity,
  ) {
    ChartsPanel.open.set(panelKey(identity), this);
    this.npcProfiles = new NpcProfileJobs(host, identity.runDirs, (m) => this.post(m));
    panel.title = panelTitle(identity);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.stopFeeds();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const asUri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.host.context.extensionUri, ...parts)).toString();
    return webviewHtml({
      title: panelTitle(this.identity),
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUris: [asUri('dist', 'webview', 'charts.js')],
      styleUris: [asUri('media', 'charts.css')],
    });
  }

  private post(message: HostToChartsMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    const message = parseChartsToHost(raw);
    if (typeof message === 'string') {
      console.warn(`dcl-explorer charts: ignored a webview message: ${message}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        void this.startFeeds();
        break;
      case 'stopRun':
        void this.stopRun(message.run);
        break;
      case 'saveFile':
        void saveExport(message.format, message.suggestedName, message.content);
        break;
      case 'copyText':
        void copyText(message.text, message.description);
        break;
      case 'computeNpcProfile':
        this.npcProfiles.start(message.run, message.initial);
        break;
      case 'cancelNpcProfile':
        this.npcProfiles.cancel(message.run);
        break;
    }
  }

  private async stopRun(run: number): Promise<void> {
    const runDir = this.identity.runDirs[run];
    if (runDir === undefined) return;
    try {
      await vscode.commands.executeCommand(STOP_RUN_COMMAND, runDir);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not stop ${path.basename(runDir)}: ${(e as Error).message}`);
    }
  }

  private async startFeeds(): Promise<void> {
    this.stopFeeds();
    const generation = this.generation;
    const runs = await Promise.all(this.identity.runDirs.map(readRunInfo));
    if (generation !== this.generation) return;
    this.post({ type: 'init', mode: this.identity.mode, runs });
    void this.npcProfiles.sendAll();
    this.feeds = this.identity.runDirs.map(
      (dir, run) => new RunFeed(dir, (update) => generation === this.generation && this.forward(run, update)),
    );
    await Promise.all(this.feeds.map((f) => f.start()));
  }

  private forward(run: number, update: FeedUpdate): void {
    switch (update.kind) {
      case 'history':
        this.post({ type: 'history', run, batch: update.batch });
        break;
      case 'append':
        this.post({ type: 'append', run, batch: update.batch });
        break;
      case 'status':
        this.post({ type: 'status', run, status: update.status });
        break;
      case 'error':
        this.post({ type: 'feedError', run, message: update.message });
        break;
    }
  }

  private stopFeeds(): void {
    this.generation++;
    for (const f of this.feeds) f.dispose();
    this.feeds = [];
  }

  private dispose(): void {
    this.stopFeeds();
    this.npcProfiles.dispose();
    const key = panelKey(this.identity);
    if (ChartsPanel.open.get(key) === this) ChartsPanel.open.delete(key);
    for (const d of this.disposables) d.dispose();
  }
}
