/**
 * Serves the charts webview to a real browser: the page comes from the same HTML builder the panel uses,
 * the host messages are recorded by running the host's own reader over real run folders, and a fake
 * acquireVsCodeApi (test/charts/browser/fakeVscodeApi.js) replays them.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MetricsReader } from '../../src/host/charts/metricsReader';
import { readCachedProfiles } from '../../src/host/charts/npcProfileFiles';
import { readRunInfo } from '../../src/host/charts/runFolders';
import { makeNonce, webviewHtml } from '../../src/host/charts/webviewHtml';
import type { ChartsMode, HostToChartsMessage } from '../../src/shared/chartsMessages';
import { RUN_FILES } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * What the host would send for these runs while they are being written: init (runs still "running"),
 * each run's cached NPC-vs-batch-size profiles, the first 60 % of each log as its history, the rest in a
 * few appends, then the real final statuses.
 */
export async function recordHostMessages(mode: ChartsMode, runDirs: string[], appendBatches = 4): Promise<HostToChartsMessage[]> {
  const runs = await Promise.all(runDirs.map(readRunInfo));
  const messages: HostToChartsMessage[] = [
    { type: 'init', mode, runs: runs.map((r) => ({ ...r, status: r.status && { ...r.status, state: 'running' } })) },
  ];
  for (const [run, dir] of runDirs.entries()) messages.push({ type: 'npcProfiles', run, ...(await readCachedProfiles(dir)) });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-charts-replay-'));
  try {
    const feeds = runDirs.map((dir, i) => {
      const lines = fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8').split(/(?<=\n)/);
      const file = path.join(scratch, `run${i}.jsonl`);
      const cut = Math.floor(lines.length * 0.6);
      fs.writeFileSync(file, lines.slice(0, cut).join(''));
      return { lines, file, next: cut, reader: new MetricsReader(file) };
    });
    for (const [run, f] of feeds.entries()) messages.push({ type: 'history', run, batch: (await f.reader.readNew()).batch });
    for (let k = 1; k <= appendBatches; k++) {
      for (const [run, f] of feeds.entries()) {
        const until = k === appendBatches ? f.lines.length : f.next + Math.ceil((f.lines.length - f.next) / (appendBatches - k + 1));
        fs.appendFileSync(f.file, f.lines.slice(f.next, until).join(''));
        f.next = until;
        messages.push({ type: 'append', run, batch: (await f.reader.readNew()).batch });
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  runs.forEach((r, run) => r.status && messages.push({ type: 'status', run, status: r.status }));
  return messages;
}

/** A script defining window.__dclHostMessages, typed arrays tagged so the fake API can rebuild them. */
export function hostMessagesScript(messages: HostToChartsMessage[]): string {
  const json = JSON.stringify(messages, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const typed = value as unknown as Float64Array;
      return { $typed: typed.constructor.name, data: Array.from(typed, (v) => (Number.isFinite(v) ? v : null)) };
    }
    return value;
  });
  return `window.__dclHostMessages = ${json};\n`;
}

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

export interface TestServer {
  origin: string;
  /** URL of the charts page for a scenario. */
  url(scenario: string, query?: Record<string, string>): string;
  close(): Promise<void>;
}

/** Serves the page per scenario, the scenario's host messages, the fake API, the bundle and the CSS. */
export async function startServer(scenarios: Record<string, string>): Promise<TestServer> {
  const root = repoRoot();
  const files: Record<string, string> = {
    '/dist/webview/charts.js': path.join(root, 'dist', 'webview', 'charts.js'),
    '/dist/webview/charts.js.map': path.join(root, 'dist', 'webview', 'charts.js.map'),
    '/media/charts.css': path.join(root, 'media', 'charts.css'),
    '/test/fakeVscodeApi.js': path.join(root, 'test', 'charts', 'browser', 'fakeVscodeApi.js'),
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    // Chromium asks every page for a favicon; VS Code webviews never do. Answer it so it is no failed request.
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (url.pathname === '/index.html') {
      const scenario = url.searchParams.get('scenario') ?? '';
      if (!(scenario in scenarios)) return send(404, 'text/plain', 'no such scenario');
      const html = webviewHtml({
        title: `Charts test: ${scenario}`,
        cspSource: origin,
        nonce: makeNonce(),
        scriptUris: [`${origin}/host/${scenario}.js`, `${origin}/test/fakeVscodeApi.js`, `${origin}/dist/webview/charts.js`],
        styleUris: [`${origin}/media/charts.css`],
      });
      return send(200, 'text/html', html);
    }
    const hostScript = /^\/host\/(.+)\.js$/.exec(url.pathname);
    if (hostScript && hostScript[1] in scenarios) return send(200, 'text/javascript', scenarios[hostScript[1]]);
    const file = files[url.pathname];
    if (file && fs.existsSync(file)) return send(200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (scenario, query = {}) => `${origin}/index.html?${new URLSearchParams({ scenario, ...query })}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
