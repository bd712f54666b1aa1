/**
 * A small in-memory stand-in for the `vscode` module, covering the API surface the extension host uses,
 * so the built dist/extension.js can be activated and its commands run under Node's test runner on
 * machines without VS Code. It records what the extension shows (messages, output, status bar) and lets
 * a test answer dialogs. The integration suite (test/integration) runs the same paths in real VS Code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  get path(): string {
    return this.fsPath.split(path.sep).join('/');
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  toString(): string {
    return `file://${this.path}`;
  }
}

export class TreeItem {
  id?: string;
  description?: string;
  iconPath?: unknown;
  tooltip?: unknown;
  contextValue?: string;
  command?: { command: string; arguments?: unknown[] };
  constructor(
    public label: string,
    public collapsibleState = 0,
  ) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  isTrusted = false;
  constructor(
    readonly value = '',
    readonly supportThemeIcons = false,
  ) {}
}
export class RelativePattern {
  constructor(
    readonly base: Uri,
    readonly pattern: string,
  ) {}
}

/** A QuickPick or InputBox: the extension configures it, the test's driver answers it. */
export class FakeQuickInput {
  kind: 'pick' | 'input';
  title?: string;
  step?: number;
  totalSteps?: number;
  buttons: unknown[] = [];
  ignoreFocusOut = false;
  placeholder?: string;
  matchOnDescription = false;
  items: { label: string }[] = [];
  activeItems: { label: string }[] = [];
  selectedItems: { label: string }[] = [];
  value = '';
  prompt?: string;
  validationMessage?: string;
  valueSelection?: [number, number];
  disposed = false;
  private readonly accept = new EventEmitter<void>();
  private readonly hide = new EventEmitter<void>();
  private readonly button = new EventEmitter<unknown>();
  private readonly change = new EventEmitter<string>();
  readonly onDidAccept = this.accept.event;
  readonly onDidHide = this.hide.event;
  readonly onDidTriggerButton = this.button.event;
  readonly onDidChangeValue = this.change.event;

  constructor(
    kind: 'pick' | 'input',
    private readonly onShow: (input: FakeQuickInput) => void,
  ) {
    this.kind = kind;
  }

  show(): void {
    // Answer after the extension has finished wiring its listeners, as a user would.
    setImmediate(() => this.onShow(this));
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.hide.fire();
  }

  /** Chooses the item with `label` and accepts it. */
  choose(label: string): void {
    const item = this.items.find((i) => i.label === label);
    if (!item) throw new Error(`no item "${label}" in: ${this.items.map((i) => i.label).join(', ')}`);
    this.selectedItems = [item];
    this.accept.fire();
  }
  /** Types `text` (replacing the value) and presses Enter. */
  type(text: string): void {
    this.value = text;
    this.change.fire(text);
    this.accept.fire();
  }
  /** Presses the Back button. */
  back(): void {
    if (this.buttons.length === 0) throw new Error('this step offers no Back button');
    this.button.fire(this.buttons[0]);
  }
  /** Presses Escape. */
  cancel(): void {
    this.dispose();
  }
}

export interface ShownMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
  modal: boolean;
  detail?: string;
  buttons: string[];
}

/** State of one fake VS Code session, reset by `installFakeVscode`. */
export class FakeVscode {
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  readonly contextKeys = new Map<string, unknown>();
  readonly messages: ShownMessage[] = [];
  readonly outputs = new Map<string, string[]>();
  readonly statusBar = { text: '', tooltip: '' as unknown, visible: false, command: '' };
  readonly treeViews = new Map<string, { message?: string; provider: unknown }>();
  readonly serializers = new Set<string>();
  settings: Record<string, unknown> = {};
  trusted = true;
  /** Every QuickPick / InputBox shown, in order. */
  readonly quickInputs: FakeQuickInput[] = [];
  /** Answers each shown QuickPick / InputBox (the test's script). */
  driveQuickInput: (input: FakeQuickInput) => void = (input) => input.cancel();
  /** Chooses the button of the next messages that offer buttons (undefined = dismissed). */
  answer: (m: ShownMessage) => string | undefined = () => undefined;

  constructor(readonly workspaceFolder: string) {}

  /** The object `require('vscode')` returns. */
  module(): Record<string, unknown> {
    // The fake's classes and object-literal methods below have their own `this`; they reach the fake by this name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fake = this;
    const show = (level: ShownMessage['level']) => async (text: string, ...rest: unknown[]) => {
      const options = typeof rest[0] === 'object' && rest[0] !== null ? (rest.shift() as { modal?: boolean; detail?: string }) : {};
      const message: ShownMessage = { level, text, modal: !!options.modal, detail: options.detail, buttons: rest as string[] };
      fake.messages.push(message);
      return message.buttons.length ? fake.answer(message) : undefined;
    };
    const event = () => new EventEmitter<unknown>().event;
    return {
      EventEmitter,
      Uri,
      TreeItem,
      ThemeIcon,
      ThemeColor,
      MarkdownString,
      RelativePattern,
      TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
      StatusBarAlignment: { Left: 1, Right: 2 },
      ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
      QuickInputButtons: { Back: { iconPath: 'back' } },
      env: { remoteName: undefined },
      commands: {
        registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
          if (fake.commands.has(id)) throw new Error(`command '${id}' already exists`);
          fake.commands.set(id, fn);
          return { dispose: () => fake.commands.delete(id) };
        },
        async executeCommand(id: string, ...args: unknown[]) {
          if (id === 'setContext') {
            fake.contextKeys.set(args[0] as string, args[1]);
            return undefined;
          }
          const fn = fake.commands.get(id);
          if (!fn) throw new Error(`command '${id}' not found`);
          return fn(...args);
        },
      },
      window: {
        createTreeView(id: string, options: { treeDataProvider: unknown }) {
          const view = { message: undefined as string | undefined, visible: false, provider: options.treeDataProvider, reveal: async () => undefined, dispose() {} };
          fake.treeViews.set(id, view);
          return view;
        },
        createStatusBarItem() {
          const item = fake.statusBar;
          return Object.assign(item, {
            name: '',
            show: () => (item.visible = true),
            hide: () => (item.visible = false),
            dispose: () => (item.visible = false),
          });
        },
        registerWebviewPanelSerializer(viewType: string) {
          fake.serializers.add(viewType);
          return { dispose: () => fake.serializers.delete(viewType) };
        },
        createOutputChannel(name: string) {
          const lines: string[] = [];
          fake.outputs.set(name, lines);
          return { name, appendLine: (l: string) => lines.push(l), show() {}, dispose: () => fake.outputs.delete(name) };
        },
        showInformationMessage: show('info'),
        showWarningMessage: show('warning'),
        showErrorMessage: show('error'),
        withProgress: (_o: unknown, task: (p: { report(): void }) => Promise<unknown>) => task({ report() {} }),
        createQuickPick: () => fake.newQuickInput('pick'),
        createInputBox: () => fake.newQuickInput('input'),
        showQuickPick: async () => undefined,
        showOpenDialog: async () => undefined,
        showTextDocument: async () => undefined,
        activeTextEditor: undefined,
      },
      workspace: {
        get workspaceFolders() {
          return [{ uri: Uri.file(fake.workspaceFolder), name: path.basename(fake.workspaceFolder), index: 0 }];
        },
        get isTrusted() {
          return fake.trusted;
        },
        getConfiguration(section: string) {
          return { get: (key: string) => fake.settings[`${section}.${key}`] };
        },
        onDidChangeConfiguration: event(),
        onDidChangeWorkspaceFolders: event(),
        onDidGrantWorkspaceTrust: event(),
        createFileSystemWatcher: () => ({ onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() {} }),
        openTextDocument: async (uri: Uri) => {
          const text = fs.readFileSync(uri.fsPath, 'utf8');
          return { uri, getText: () => text };
        },
        fs: {
          delete: async (uri: Uri, options: { recursive?: boolean }) => fs.rmSync(uri.fsPath, { recursive: !!options.recursive }),
        },
      },
    };
  }

  newQuickInput(kind: 'pick' | 'input'): FakeQuickInput {
    const input = new FakeQuickInput(kind, (i) => {
      try {
        this.driveQuickInput(i);
      } catch (e) {
        // A script error must fail the test, not leave the flow waiting forever.
        i.cancel();
        this.scriptErrors.push(e as Error);
      }
    });
    this.quickInputs.push(input);
    return input;
  }

  readonly scriptErrors: Error[] = [];

  /** An ExtensionContext for an extension installed at `extensionPath`. */
  context(extensionPath: string): Record<string, unknown> {
    const state = new Map<string, unknown>();
    return {
      subscriptions: [] as { dispose(): void }[],
      extensionPath,
      asAbsolutePath: (p: string) => path.join(extensionPath, p),
      workspaceState: {
        get: <T>(key: string, fallback?: T) => (state.has(key) ? (state.get(key) as T) : fallback),
        update: async (key: string, value: unknown) => void state.set(key, value),
        keys: () => [...state.keys()],
      },
    };
  }
}

/** Makes `require('vscode')` return `fake.module()` (the extension bundle keeps `vscode` external). */
export function installFakeVscode(fake: FakeVscode): () => void {
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  const id = path.join(fake.workspaceFolder, '__fake_vscode__.js');
  const exports = fake.module();
  require.cache[id] = { id, filename: id, loaded: true, exports } as unknown as NodeJS.Module;
  mod._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? id : original.call(this, request, ...rest);
  };
  return () => {
    mod._resolveFilename = original;
    delete require.cache[id];
  };
}
