/**
 * The slice of the `vscode` API the projection host code uses, in memory, so ProjectionPanel runs under
 * Node's test runner: a webview that records what the host posts and lets the test post as the page, a
 * QuickPick the test answers, and progress notifications with a cancel button the test can press.
 */
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (v: T) => unknown;

function emitter<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    event: (l: Listener<T>) => {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    fire: (v: T) => [...listeners].map((l) => l(v)),
  };
}

export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): FakeUri {
    return new FakeUri('file', p);
  }
  static parse(s: string): FakeUri {
    return new FakeUri(s.split(':')[0], s);
  }
  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    return new FakeUri(base.scheme, path.join(base.fsPath, ...parts));
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class FakeWebviewPanel {
  readonly posted: unknown[] = [];
  disposed = false;
  title = '';
  private readonly received = emitter<unknown>();
  private readonly disposeEvent = emitter<void>();
  readonly webview = {
    html: '',
    options: {} as Record<string, unknown>,
    cspSource: 'https://fake.vscode-cdn.net',
    asWebviewUri: (u: FakeUri) => new FakeUri('https', `/webview${u.fsPath}`),
    postMessage: async (m: unknown) => {
      this.posted.push(m);
      return true;
    },
    onDidReceiveMessage: this.received.event,
  };
  onDidDispose = this.disposeEvent.event;
  constructor(readonly viewType: string) {}
  reveal(): void {}
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEvent.fire();
  }
  /** Delivers a message as the webview page would. */
  fromPage(m: unknown): void {
    this.received.fire(m);
  }
}

export class FakeVscodeHost {
  readonly panels: FakeWebviewPanel[] = [];
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  readonly serializers = new Map<string, { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> }>();
  readonly messages: string[] = [];
  readonly progressTitles: string[] = [];
  /** Answers the next QuickPick: gets the items, returns the chosen one (or undefined). */
  quickPick: (items: { label: string; runDir?: string }[]) => unknown = () => undefined;
  /** Answers the next save dialog: gets its options, returns the chosen file (or undefined). */
  saveDialog: (options: { defaultUri?: FakeUri }) => FakeUri | undefined = () => undefined;
  /** Set to press "Cancel" on every progress notification as soon as it appears. */
  cancelProgress = false;
  settings: Record<string, unknown> = {};

  module(): Record<string, unknown> {
    return {
      Uri: FakeUri,
      ViewColumn: { Active: -1 },
      ProgressLocation: { Notification: 15 },
      RelativePattern: class {
        constructor(
          readonly base: FakeUri,
          readonly pattern: string,
        ) {}
      },
      window: {
        createWebviewPanel: (viewType: string, _title: string, _column: number, options: Record<string, unknown>) => {
          const p = new FakeWebviewPanel(viewType);
          p.webview.options = options;
          this.panels.push(p);
          return p;
        },
        registerWebviewPanelSerializer: (viewType: string, s: { deserializeWebviewPanel(panel: FakeWebviewPanel, state: unknown): Promise<void> }) => {
          this.serializers.set(viewType, s);
          return { dispose: () => this.serializers.delete(viewType) };
        },
        withProgress: (opts: { title: string }, task: (p: { report(v: unknown): void }, t: { onCancellationRequested(l: () => void): void }) => Promise<unknown>) => {
          this.progressTitles.push(opts.title);
          const cancel = emitter<void>();
          const result = task({ report() {} }, { onCancellationRequested: (l) => void cancel.event(l) });
          if (this.cancelProgress) setTimeout(() => cancel.fire(), 10);
          return result;
        },
        showQuickPick: async (items: { label: string; runDir?: string }[]) => this.quickPick(items),
        showErrorMessage: async (m: string) => void this.messages.push(`error: ${m}`),
        showWarningMessage: async (m: string) => void this.messages.push(`warning: ${m}`),
        showInformationMessage: async (m: string) => void this.messages.push(`info: ${m}`),
        showOpenDialog: async () => undefined,
        showSaveDialog: async (options: { defaultUri?: FakeUri }) => this.saveDialog(options),
      },
      workspace: {
        workspaceFolders: undefined,
        getConfiguration: () => ({ get: (key: string) => this.settings[key] }),
        createFileSystemWatcher: () => ({ onDidCreate: emitter().event, onDidDelete: emitter().event, dispose() {} }),
      },
      commands: {
        registerCommand: (id: string, f: (...args: unknown[]) => unknown) => {
          this.commands.set(id, f);
          return { dispose: () => this.commands.delete(id) };
        },
        executeCommand: async () => undefined,
      },
      env: { openExternal: async () => true },
    };
  }
}

/** Makes `require('vscode')` return the fake until the returned function is called. */
export function installFakeVscodeHost(fake: FakeVscodeHost, scratchDir: string): () => void {
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  const id = path.join(scratchDir, '__fake_vscode__.js');
  require.cache[id] = { id, filename: id, loaded: true, exports: fake.module() } as unknown as NodeJS.Module;
  mod._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? id : original.call(this, request, ...rest);
  };
  return () => {
    mod._resolveFilename = original;
    delete require.cache[id];
  };
}
