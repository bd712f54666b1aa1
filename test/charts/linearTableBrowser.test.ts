/**
 * Linear top-1 in the result tables, looked at (issue 19): the charts' comparison table over runs that ran their
 * linear evaluation in the run (eval.linear: a `linear` event, final.linearAccuracy, the finished event's field),
 * and the host's sweep table ("Compare sweep" → Open table) over such runs, each in headless Chromium in the light
 * and dark themes. Screenshots go to test-artifacts/charts/ (table-compare-linear-*.png, sweep-table-linear-*.png).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunSnapshot } from '../../src/host/runs/runStore';
import { groupSweeps, sweepLabel, sweepSummary } from '../../src/host/runs/sweepGrouping';
import { sweepMarkdownTable } from '../../src/host/runs/sweepTable';
import { parseEventLines, serializeEvent } from '../../src/shared/eventLog';
import { RUN_FILES, type RunEvent, type RunStatus } from '../../src/shared/protocol';
import { repoRoot } from '../helpers/paths';
import { CHROMIUM_ARGS, CHROMIUM_PATH, hostMessagesScript, recordHostMessages, startServer, type TestServer } from './browserHarness';
import { CHARTS_FIXTURE, fixtureConfig, writeFixtureRun, type FixtureRunOptions } from './fixtureRun';

const skip = fs.existsSync(CHROMIUM_PATH) ? false : `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium)`;
const ARTIFACTS = path.join(repoRoot(), 'test-artifacts', 'charts');
const THEMES = ['light', 'dark'] as const;

/** Four finished runs, loss × batch size, each with its in-run linear top-1. */
const RUNS: { o: FixtureRunOptions; linear: number }[] = [
  { o: { ...CHARTS_FIXTURE, name: 'lin-infonce-64', loss: 'infonce', batchSize: 64 }, linear: 0.9123 },
  { o: { ...CHARTS_FIXTURE, name: 'lin-infonce-256', loss: 'infonce', batchSize: 256 }, linear: 0.9347 },
  { o: { ...CHARTS_FIXTURE, name: 'lin-dcl-64', loss: 'dcl', batchSize: 64 }, linear: 0.9406 },
  { o: { ...CHARTS_FIXTURE, name: 'lin-dcl-256', loss: 'dcl', batchSize: 256 }, linear: 0.9581 },
];

/** What the trainer writes with eval.linear: the `linear` event before `finished`, which carries it too, and status.json's final. */
function addInRunLinear(dir: string, accuracy: number): void {
  const metrics = path.join(dir, RUN_FILES.metrics);
  const events = parseEventLines(fs.readFileSync(metrics, 'utf8')).events;
  const finished = events.pop();
  assert.ok(finished?.type === 'finished');
  const linear: RunEvent = { type: 'linear', step: finished.step, epoch: finished.epoch, time: finished.time, accuracy, weightDecay: 1e-6, validationAccuracy: accuracy - 0.004, trainSize: 60000, testSize: 10000, seconds: 3.2 };
  fs.writeFileSync(metrics, [...events, linear, { ...finished, linearAccuracy: accuracy }].map(serializeEvent).join(''));
  const statusFile = path.join(dir, RUN_FILES.status);
  const status = JSON.parse(fs.readFileSync(statusFile, 'utf8')) as RunStatus;
  fs.writeFileSync(statusFile, JSON.stringify({ ...status, final: { loss: finished.loss, knnAccuracy: finished.knnAccuracy, linearAccuracy: accuracy } }, null, 2) + '\n');
}

/**
 * The document "Open table" shows (`# label`, the summary, the tables), laid out as VS Code's Markdown preview lays
 * out GitHub tables, with the Markdown source below as the editor shows it.
 */
function markdownPage(title: string, summary: string, markdown: string, theme: string): string {
  const colours = theme === 'dark' ? { bg: '#1f1f1f', fg: '#cccccc', border: '#454545', head: '#2b2b2b' } : { bg: '#ffffff', fg: '#3b3b3b', border: '#d0d0d0', head: '#f3f3f3' };
  const cell = (c: string, tag: string, right: boolean) => `<${tag} style="text-align:${right ? 'right' : 'left'}">${c.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${tag}>`;
  const tables = markdown.trim().split('\n\n').map((block) => {
    const [head, align, ...rows] = block.split('\n').map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
    const right = align.map((a) => a.endsWith(':'));
    return `<table><thead><tr>${head.map((c, i) => cell(c, 'th', right[i])).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i ? 'td' : 'th', right[i])).join('')}</tr>`).join('')}</tbody></table>`;
  });
  const style = `body{background:${colours.bg};color:${colours.fg};font:14px -apple-system,'Segoe UI',Ubuntu,sans-serif;padding:12px 24px}
    table{border-collapse:collapse;margin:0 0 16px}th,td{border:1px solid ${colours.border};padding:5px 10px}thead th{background:${colours.head}}
    pre{font:13px 'Droid Sans Mono',monospace;margin:0 0 16px}`;
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<!doctype html><html><head><style>${style}</style></head><body><h1>${escape(title)}</h1><p>${escape(summary)}</p>${tables.join('')}<pre>${escape(markdown)}</pre></body></html>`;
}

describe('linear top-1 in the result tables, in a real browser', { skip }, () => {
  let browser: Browser;
  let server: TestServer;
  let tmp: string;
  let dirs: string[];

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-linear-tables-'));
    dirs = RUNS.map(({ o, linear }, i) => {
      const dir = path.join(tmp, `run-${i}-${o.name}`);
      writeFixtureRun(dir, o);
      addInRunLinear(dir, linear);
      return dir;
    });
    server = await startServer({ compare: hostMessagesScript(await recordHostMessages('compare', dirs)) });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 })).newPage();
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));
    return { page, problems };
  }

  for (const theme of THEMES) {
    test(`the charts' comparison table shows kNN · linear top-1 per cell (${theme})`, async () => {
      const { page, problems } = await newPage();
      try {
        await page.goto(server.url('compare', { theme }));
        await page.waitForFunction(() => (window as unknown as { __replayDone?: boolean }).__replayDone === true, undefined, { timeout: 15_000 });
        await page.click('vscode-tab-header[data-tab="table"]');
        await page.waitForSelector('[data-view="table"]:not([hidden]) table.comparison', { timeout: 5000 });
        const view = page.locator('[data-view="table"]');
        assert.match((await view.textContent()) ?? '', /Top-1 accuracy \(%\): kNN best \(final\) · linear evaluation/);
        assert.deepEqual(await page.$$eval('table.comparison thead th', (els) => els.map((e) => e.textContent)), ['Loss', 'B = 64', 'B = 256']);
        const cells = await page.$$eval('table.comparison tbody td', (els) => els.map((e) => e.textContent ?? ''));
        // Rows in the paper's order (InfoNCE, DCL), columns by batch size: linear top-1 after the dot.
        assert.deepEqual(cells.map((c) => c.split(' · ')[1]), ['91.2', '93.5', '94.1', '95.8']);
        await view.screenshot({ path: path.join(ARTIFACTS, `table-compare-linear-${theme}.png`) });
        assert.deepEqual(problems, []);
      } finally {
        await page.context().close();
      }
    });

    test(`the sweep table has a linear top-1 table beside the kNN one (${theme})`, async () => {
      const runs: RunSnapshot[] = RUNS.map(({ o }, i) => {
        const status = JSON.parse(fs.readFileSync(path.join(dirs[i], RUN_FILES.status), 'utf8')) as RunStatus;
        const config = { ...fixtureConfig(o), sweepId: 'sweep-linear' };
        return { runDir: dirs[i], runId: path.basename(dirs[i]), config, status, state: 'finished', createdAt: o.startTime, owned: false, metrics: { eventCount: 0, badLines: [] } };
      });
      const [group] = groupSweeps(runs).sweeps;
      const markdown = sweepMarkdownTable(group);
      assert.match(markdown, /\| linear top-1 \(%\) \| batch 64 \| batch 256 \|\n\| --- \| ---: \| ---: \|\n\| InfoNCE[^|]*\| 91\.23 \| 93\.47 \|\n\| DCL[^|]*\| 94\.06 \| 95\.81 \|/);
      const { page, problems } = await newPage();
      try {
        await page.setContent(markdownPage(sweepLabel(group), sweepSummary(group), markdown, theme));
        await page.screenshot({ path: path.join(ARTIFACTS, `sweep-table-linear-${theme}.png`), fullPage: true });
        assert.deepEqual(problems, []);
      } finally {
        await page.context().close();
      }
    });
  }
});
