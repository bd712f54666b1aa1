/**
 * Headless Chromium for the workbench, and a watch over what it reports: console errors and warnings from
 * the workbench and from every webview frame, uncaught page errors, failed requests, and CSP violations.
 *
 * code-server itself reports a few things in every session, whatever the extension does; each is listed in
 * KNOWN_WORKBENCH_NOISE with why it is not ours. They are kept (so the report can show them) but do not fail
 * a test. A CSP violation never counts as noise.
 */
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { CHROMIUM_PATH } from './codeServerInstall';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium with a fresh profile: launch() gives every browser its own temporary user-data folder. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

interface Noise {
  why: string;
  /** Matches the message text, or the URL of the failed request / console location. */
  text?: RegExp;
  url?: RegExp;
}

const KNOWN_WORKBENCH_NOISE: Noise[] = [
  { why: "vsda (Microsoft's signing module) is not part of code-server; the workbench probes for it", url: /\/static\/node_modules\/vsda\// },
  { why: "VS Code's own warning about its web-worker extension host iframe", text: /^The web worker extension host is started in a same-origin iframe!$/ },
  {
    why: "Chromium's warning about VS Code's sandboxed iframes (webview hosts, worker host): VS Code needs both flags",
    text: /^An iframe which has both allow-scripts and allow-same-origin for its sandbox attribute can escape its sandboxing\.$/,
  },
  { why: "VS Code's performance log of its own slow contributions (2 cores, headless)", text: /^%c WARN color: #993 (Creation of workbench contribution '[\w.]+' took \d+ms\.|Slow .*)$/ },
  {
    why: "VS Code's web lifecycle on reload: its own shutdown joins (remote connection, chat) cannot be awaited in a browser",
    text: /^%c {2}ERR color: #f33 \[lifecycle\] Long running operations during shutdown are unsupported in the web \(id: join\.(disconnectRemote|chatSessionStore|chatEditingSession)\)$/,
  },
  {
    why: "VS Code's web logger flushing its window log while the reloading page has already closed its IndexedDB",
    text: /^%c {2}ERR color: #f33 Unable to write file 'vscode-log:\/[\w/.-]+\.log' \(Error: IndexedDB database 'vscode-web-db' is closed\.\): Error: Unable to write file 'vscode-log:\/[\w/.-]+\.log' \(Error: IndexedDB database 'vscode-web-db' is closed\.\)$/,
  },
  {
    why: 'Chromium\'s software GL (SwiftShader under --disable-gpu) notes that reading a WebGL canvas back (screenshots, compositing a preserveDrawingBuffer canvas) stalls',
    text: /^\[\.WebGL-0x[0-9a-f]+\]GL Driver Message \(OpenGL, Performance, GL_CLOSE_PATH_NV, High\): GPU stall due to ReadPixels( \(this message will no longer repeat\))?$/,
  },
];

const CSP = /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame|create)/i;

export interface Problem {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http';
  text: string;
  url: string;
}

export class ProblemWatch {
  readonly problems: Problem[] = [];
  readonly noise: { problem: Problem; why: string }[] = [];

  constructor(page: Page) {
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() !== 'error' && m.type() !== 'warning' && !CSP.test(m.text())) return;
      this.add({ kind: 'console', text: `${m.type()}: ${m.text()}`, url: m.location().url });
    });
    page.on('pageerror', (e) => this.add({ kind: 'pageerror', text: e.stack ?? e.message, url: page.url() }));
    page.on('requestfailed', (r) => {
      // ERR_ABORTED is a load the page itself cancelled (a reload, a closed webview, a 404 already counted
      // below); a load that really failed has another error text.
      const failure = r.failure()?.errorText ?? 'failed';
      if (failure === 'net::ERR_ABORTED') return;
      this.add({ kind: 'requestfailed', text: failure, url: r.url() });
    });
    page.on('response', (r) => {
      if (r.status() >= 400) this.add({ kind: 'http', text: `HTTP ${r.status()}`, url: r.url() });
    });
  }

  private add(problem: Problem): void {
    // Judged by its first line: when an Error is logged with the message, its stack follows on more lines.
    const message = problem.text.replace(/^(error|warning): /, '').split('\n')[0];
    const known = CSP.test(problem.text)
      ? undefined
      : KNOWN_WORKBENCH_NOISE.find((n) => (n.text ? n.text.test(message) : true) && (n.url ? n.url.test(problem.url) : true) && (n.text || n.url));
    // A "Failed to load resource" console line repeats an HTTP/request entry: judge it by its URL.
    const duplicate = /^Failed to load resource/.test(message) && KNOWN_WORKBENCH_NOISE.some((n) => n.url?.test(problem.url));
    if (known || duplicate) this.noise.push({ problem, why: known?.why ?? 'console echo of a known failed request' });
    else this.problems.push(problem);
  }

  /** Human-readable list for assertion messages. */
  static format(problems: readonly Problem[]): string {
    return problems.map((p) => `  [${p.kind}] ${p.text.split('\n')[0]} (${p.url})`).join('\n');
  }
}
