/**
 * The charts webview in headless Chromium: the panel's own HTML (strict CSP, nonce), the real bundle, and
 * host messages recorded from run folders by the host's reader. Checks that every chart draws, names the
 * right series, reacts to its controls, persists its state, exports, follows the theme, and that the page
 * has no CSP violations or console errors. Screenshots go to test-artifacts/charts/.
 */
import assert from 'node:assert/strict';
import type { PersistedChartsState } from '../../webview/charts/data/uiState';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { NpcProfile } from '../../src/shared/npcProfile';
import type { NpcEvent } from '../../src/shared/protocol';
import { comparisonMarkdown, comparisonTable } from '../../webview/charts/data/comparisonTable';
import { chartRun } from '../../webview/charts/data/chartRun';
import { runLabels } from '../../webview/charts/data/configDiff';
import { formatNumber, formatPercent } from '../../webview/charts/data/format';
import { knnSummary } from '../../webview/charts/data/knnChart';
import { rowLabel } from '../../webview/charts/data/npcProfile';
import { fixture, repoRoot } from '../helpers/paths';
import { CHROMIUM_ARGS, CHROMIUM_PATH, hostMessagesScript, recordHostMessages, startServer, type TestServer } from './browserHarness';
import { CHARTS_FIXTURE, fixtureConfig, fixtureEvents, writeFixtureRun, type FixtureRunOptions } from './fixtureRun';
import { seriesFromEvents } from './seriesHelpers';

const skip = fs.existsSync(CHROMIUM_PATH)
  ? false
  : `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) to run the real-browser charts tests`;

const ARTIFACTS = path.join(repoRoot(), 'test-artifacts', 'charts');
const THEMES = ['light', 'dark'] as const;
/** --vscode-charts-blue of each theme in fakeVscodeApi.js: palette slot 0, the single run's colour. */
const BLUE = { light: [26, 133, 255], dark: [55, 148, 255] } as const;
const RED = { light: [229, 20, 0], dark: [241, 76, 76] } as const;

const COMPARED: FixtureRunOptions[] = [
  { ...CHARTS_FIXTURE, name: 'cmp-dcl-256', loss: 'dcl', batchSize: 256 },
  { ...CHARTS_FIXTURE, name: 'cmp-infonce-256', loss: 'infonce', batchSize: 256 },
  { ...CHARTS_FIXTURE, name: 'cmp-dcl-64', loss: 'dcl', batchSize: 64, stepsPerEpoch: 60, state: 'running', stopAfterEpochs: 5 },
];

const PROFILE_FILES = { trained: 'step8-b16_32_64_128-n2-s0.json', initial: 'initial-b16_32_64_128-n2-s0.json' } as const;

function readProfile(file: string): NpcProfile {
  return JSON.parse(fs.readFileSync(fixture('charts-run', 'npc-profile', file), 'utf8')) as NpcProfile;
}

function copyProfiles(fromRun: string, toRun: string, files: readonly string[]): void {
  fs.mkdirSync(path.join(toRun, 'npc-profile'), { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(fromRun, 'npc-profile', f), path.join(toRun, 'npc-profile', f));
}

interface OpenedPage {
  page: Page;
  problems: string[];
}

describe('charts webview in a real browser', { skip }, () => {
  let browser: Browser;
  let server: TestServer;
  let tmp: string;
  let comparedDirs: string[];
  let brokenProfilesDir: string;

  before(async () => {
    const bundle = path.join(repoRoot(), 'dist', 'webview', 'charts.js');
    assert.ok(fs.existsSync(bundle), `${bundle} is missing: build first (node scripts/build.mjs)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-charts-browser-'));
    comparedDirs = COMPARED.map((o, i) => {
      const dir = path.join(tmp, `run-${i}-${o.name}`);
      writeFixtureRun(dir, o);
      return dir;
    });
    // The last compared run has a cached profile (the first has none: its tab starts empty).
    copyProfiles(fixture('charts-run'), comparedDirs[2], [PROFILE_FILES.trained]);
    // The fixture run plus files the host must skip with a visible note.
    brokenProfilesDir = path.join(tmp, 'broken-profiles');
    writeFixtureRun(brokenProfilesDir, CHARTS_FIXTURE);
    copyProfiles(fixture('charts-run'), brokenProfilesDir, [PROFILE_FILES.trained]);
    fs.writeFileSync(path.join(brokenProfilesDir, 'npc-profile', 'truncated.json'), '{"schemaVersion": 1, "rows": [');
    server = await startServer({
      single: hostMessagesScript(await recordHostMessages('single', [fixture('charts-run')])),
      compare: hostMessagesScript(await recordHostMessages('compare', comparedDirs)),
      brokenProfiles: hostMessagesScript(await recordHostMessages('single', [brokenProfilesDir])),
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function open(scenario: string, theme: string): Promise<OpenedPage> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 1000 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning' || /Content Security Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(server.url(scenario, { theme }));
    await settle(page);
    return { page, problems };
  }

  /** Waits for the replay to end and the charts to have drawn their last frame. */
  async function settle(page: Page): Promise<void> {
    await page.waitForFunction(() => (window as unknown as { __replayDone?: boolean }).__replayDone === true, undefined, { timeout: 15_000 });
    await frames(page);
  }

  async function frames(page: Page, n = 3): Promise<void> {
    for (let i = 0; i < n; i++) await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  }

  async function showTab(page: Page, id: string, waitFor = `[data-view="${id}"]:not([hidden]) .uplot canvas, [data-view="${id}"]:not([hidden]) table.comparison`): Promise<void> {
    await page.click(`vscode-tab-header[data-tab="${id}"]`);
    await page.waitForSelector(waitFor, { timeout: 5000 });
    await frames(page);
  }

  /** Delivers a host message the way the panel would (the replay only carries what opening sends). */
  async function hostSends(page: Page, message: unknown): Promise<void> {
    await page.evaluate((m) => window.postMessage(m, '*'), message);
    await frames(page);
  }

  /**
   * Pixels of each chart canvas in a tab: how many are painted at all, and how many are close to `rgb`
   * (`hits`) or to `rgb2` (`hits2`). One read per canvas: a second getImageData makes Chromium warn.
   */
  async function canvasStats(page: Page, tab: string, rgb: readonly number[], rgb2: readonly number[] = rgb) {
    return page.$$eval(
      `[data-view="${tab}"] .uplot canvas`,
      (canvases, [target, target2]) =>
        canvases.map((c) => {
          const canvas = c as HTMLCanvasElement;
          const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
          let painted = 0;
          let hits = 0;
          let hits2 = 0;
          const near = (i: number, t: number[]) => data[i + 3] > 200 && Math.abs(data[i] - t[0]) + Math.abs(data[i + 1] - t[1]) + Math.abs(data[i + 2] - t[2]) < 60;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 0) painted++;
            if (near(i, target)) hits++;
            if (near(i, target2)) hits2++;
          }
          return { width: canvas.width, height: canvas.height, painted, hits, hits2, total: data.length / 4 };
        }),
      [rgb as number[], rgb2 as number[]],
    );
  }

  async function legend(page: Page, tab: string, chart = 0): Promise<string[]> {
    return page.$$eval(`[data-view="${tab}"] .chart`, (charts, i) => Array.from(charts[i].querySelectorAll('.u-legend .u-series .u-label')).map((e) => e.textContent ?? '').slice(1), chart);
  }

  async function assertClean(opened: OpenedPage): Promise<void> {
    const violations = await opened.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    assert.deepEqual(violations, [], 'no CSP violations');
    assert.deepEqual(opened.problems, [], 'no console errors or warnings, no page errors, no failed requests');
  }

  async function posted(page: Page): Promise<Record<string, unknown>[]> {
    return page.evaluate(() => (window as unknown as { __posted: Record<string, unknown>[] }).__posted);
  }

  async function shot(page: Page, selector: string, name: string): Promise<void> {
    await page.locator(selector).screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  for (const theme of THEMES) {
    test(`single run (${theme}): header, loss, NPC and kNN charts draw with the right series`, async () => {
      const opened = await open('single', theme);
      const { page } = opened;
      try {
        const header = await page.textContent('.run-header');
        assert.match(header ?? '', /dcl-b256-fixture/);
        assert.match(header ?? '', /loss DCL · batch 256 · τ 0\.1 · encoder cnn · dataset mnist/);
        assert.match(header ?? '', /backend tensorflow/);
        assert.match(header ?? '', /step 400 \/ 400/);
        assert.match(header ?? '', /images\/s/);
        assert.match(header ?? '', /lr /);
        assert.equal(await page.textContent('.state-badge'), 'finished', 'the final status arrived after the appends');
        assert.ok(await page.locator('.run-header vscode-button').isHidden(), 'no Stop button on a finished run');

        assert.deepEqual(await legend(page, 'loss'), ['loss (raw)', 'loss (smoothed 0.6)']);
        const [loss] = await canvasStats(page, 'loss', BLUE[theme]);
        assert.ok(loss.width > 800, `loss canvas ${loss.width}px wide`);
        assert.ok(loss.hits > 400, `the loss line is drawn in the theme's blue (${loss.hits} px)`);
        await shot(page, '[data-view="loss"] .chart', `loss-single-${theme}`);

        await showTab(page, 'npc');
        assert.deepEqual(await legend(page, 'npc', 0), ['min', 'p7', 'p16', 'p31', 'median', 'p69', 'p84', 'p93', 'max', 'mean', 'Cv (σ/μ)']);
        assert.deepEqual(await legend(page, 'npc', 1), ['step 400']);
        const [bands, histogram] = await canvasStats(page, 'npc', BLUE[theme]);
        assert.ok(bands.painted > bands.total * 0.08, `the bands fill part of the plot (${bands.painted} px)`);
        assert.ok(bands.hits > 200, 'the median is drawn');
        assert.ok(histogram.hits > 150, 'the histogram is drawn');
        assert.match((await page.textContent('[data-view="npc"] .note')) ?? '', /diagnostic: what InfoNCE's gradient would have been scaled by/);
        const lastNpc = fixtureEvents(CHARTS_FIXTURE).filter((e): e is NpcEvent => e.type === 'npc').pop()!;
        assert.equal(await page.textContent('[data-view="npc"] .readout'), `Latest (step 400): mean ${formatNumber(lastNpc.summary.mean)} · Cv ${formatNumber(lastNpc.summary.cv)}`);
        await shot(page, '[data-view="npc"] .chart >> nth=0', `npc-bands-single-${theme}`);
        await shot(page, '[data-view="npc"] .chart >> nth=1', `npc-histogram-single-${theme}`);

        await showTab(page, 'knn');
        assert.deepEqual(await legend(page, 'knn'), ['kNN top-1', 'best']);
        const [knnCanvas] = await canvasStats(page, 'knn', BLUE[theme]);
        assert.ok(knnCanvas.hits > 200, 'the accuracy line is drawn');
        const knn = knnSummary(chartRun(seriesFromEvents(fixtureEvents(CHARTS_FIXTURE)), 'run', fixtureConfig(CHARTS_FIXTURE)))!;
        assert.ok(knn.bestEpoch < CHARTS_FIXTURE.epochs, 'the fixture peaks before its last epoch, so the marker is not just the end point');
        assert.equal(
          await page.textContent('[data-view="knn"] .readout'),
          `best ${formatPercent(knn.best)} at epoch ${knn.bestEpoch.toFixed(1)} · latest ${formatPercent(knn.final)} (epoch 8.0)`,
        );
        await shot(page, '[data-view="knn"] .chart', `knn-single-${theme}`);
        await page.screenshot({ path: path.join(ARTIFACTS, `page-single-${theme}.png`), fullPage: true });
        await assertClean(opened);
      } finally {
        await page.context().close();
      }
    });
  }

  test('single run: controls change the charts, the state survives a reload, exports go to the host', async () => {
    const opened = await open('single', 'dark');
    const { page } = opened;
    try {
      // Smoothing slider.
      await page.$eval('[data-view="loss"] input.slider-input', (el) => {
        const input = el as HTMLInputElement;
        input.value = '0.9';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await frames(page);
      assert.deepEqual(await legend(page, 'loss'), ['loss (raw)', 'loss (smoothed 0.9)']);

      // Log-y toggle and the x-axis dropdown, by real clicks on the toolkit controls.
      await page.click('[data-view="loss"] vscode-checkbox');
      await page.click('[data-view="loss"] vscode-single-select');
      await page.screenshot({ path: path.join(ARTIFACTS, 'controls-dropdown-open-dark.png') });
      await page.click('[data-view="loss"] li.option:has-text("x: epoch")');
      await frames(page);
      const xAxisLabel = await page.$eval('[data-view="loss"] .u-legend .u-series .u-label', (e) => e.textContent);
      assert.equal(xAxisLabel, 'epoch');

      // Drag to zoom, then check the stored window.
      const over = await page.locator('[data-view="loss"] .u-over').boundingBox();
      assert.ok(over);
      await page.mouse.move(over.x + over.width * 0.3, over.y + over.height / 2);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * 0.6, over.y + over.height / 2, { steps: 5 });
      await page.mouse.up();
      await frames(page);
      const state = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('dcl-charts-test-state') ?? 'null') as PersistedChartsState);
      const zoomed = await state();
      assert.equal(zoomed.mode, 'single');
      assert.deepEqual(zoomed.runDirs, [fixture('charts-run')]);
      assert.equal(zoomed.ui.smoothing, 0.9);
      assert.equal(zoomed.ui.logY, true);
      assert.equal(zoomed.ui.xAxis, 'epoch');
      assert.ok(zoomed.ui.zoom.loss !== undefined && zoomed.ui.zoom.loss.min > 1.5 && zoomed.ui.zoom.loss.max < 6.5, `zoom ${JSON.stringify(zoomed.ui.zoom.loss)}`);
      const [loss] = await canvasStats(page, 'loss', BLUE.dark);
      assert.ok(loss.hits > 300, 'the zoomed log-scale curve is drawn');
      await shot(page, '[data-view="loss"] .chart', 'loss-single-dark-zoomed-log-epoch');

      // A reload (VS Code recreates hidden webviews) restores every choice.
      await page.reload();
      await settle(page);
      assert.equal(await page.$eval('[data-view="loss"] input.slider-input', (e) => (e as HTMLInputElement).value), '0.9');
      assert.deepEqual(await legend(page, 'loss'), ['loss (raw)', 'loss (smoothed 0.9)']);
      assert.equal(await page.$eval('[data-view="loss"] .u-legend .u-series .u-label', (e) => e.textContent), 'epoch');
      const restored = await state();
      assert.deepEqual(restored.ui.zoom, zoomed.ui.zoom);

      // Double-click resets the zoom.
      await page.dblclick('[data-view="loss"] .u-over');
      await frames(page);
      assert.equal((await state()).ui.zoom.loss, undefined);

      // Exports: CSV (full resolution), PNG bytes, SVG text.
      await page.click('[data-view="loss"] vscode-button:has-text("CSV")');
      await page.click('[data-view="loss"] vscode-button:has-text("PNG")');
      await page.click('[data-view="loss"] vscode-button:has-text("SVG")');
      const saves = (await posted(page)).filter((m) => m.type === 'saveFile');
      assert.deepEqual(saves.map((m) => m.format), ['csv', 'png', 'svg']);
      const csv = saves[0].content as string;
      assert.ok(csv.startsWith('step,epoch,wall_seconds,loss,loss_smoothed,lr,images_per_second\n1,0.02,'), csv.slice(0, 80));
      assert.equal(csv.trim().split('\n').length, 401, 'every logged step, not the drawn points');
      assert.equal(saves[0].suggestedName, 'loss-charts-run.csv');
      const png = Buffer.from(saves[1].contentBase64 as string, 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
      assert.equal(png.length, saves[1].contentLength);
      assert.ok(png.length > 10_000);
      fs.writeFileSync(path.join(ARTIFACTS, 'export-loss-dark.png'), png);
      const svg = saves[2].content as string;
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<path [\s\S]*<\/svg>$/);
      fs.writeFileSync(path.join(ARTIFACTS, 'export-loss-dark.svg'), svg);
      // The SVG must render on its own: draw it in a fresh page and look at the result.
      const svgPage = await page.context().newPage();
      await svgPage.setContent(svg);
      const rendered = await svgPage.locator('svg').boundingBox();
      assert.ok(rendered && rendered.width >= 640 && rendered.height > 300, 'the SVG has its size');
      await svgPage.locator('svg').screenshot({ path: path.join(ARTIFACTS, 'export-loss-dark-svg-rendered.png') });
      await svgPage.close();

      // Histogram: move the slider to the first summary, pin it, go back to the latest: both are overlaid.
      await showTab(page, 'npc');
      const setSlider = (v: string) =>
        page.$eval(
          '[data-view="npc"] input.slider-input',
          (el, value) => {
            const input = el as HTMLInputElement;
            input.value = value;
            input.dispatchEvent(new Event('input', { bubbles: true }));
          },
          v,
        );
      await setSlider('0');
      await frames(page);
      assert.deepEqual(await legend(page, 'npc', 1), ['step 1']);
      await page.click('[data-view="npc"] vscode-button:has-text("Pin step")');
      await setSlider('20');
      await frames(page);
      assert.deepEqual(await legend(page, 'npc', 1), ['step 1', 'step 200']);
      const max = await page.$eval('[data-view="npc"] input.slider-input', (e) => (e as HTMLInputElement).max);
      await setSlider(max);
      await frames(page);
      assert.deepEqual(await legend(page, 'npc', 1), ['step 1', 'step 400']);
      assert.equal((await state()).ui.histogramStep, null, 'the last position follows the latest step');
      await shot(page, '[data-view="npc"] .chart >> nth=1', 'npc-histogram-single-dark-pinned');

      // A theme switch redraws in the new theme's colours (MutationObserver on the body class).
      await page.evaluate(() => (window as unknown as { __setTheme(t: string): void }).__setTheme('light'));
      await frames(page, 4);
      const [bands] = await canvasStats(page, 'npc', BLUE.light);
      assert.ok(bands.hits > 200, 'the median is redrawn in the light theme blue');
      await page.evaluate(() => (window as unknown as { __setTheme(t: string): void }).__setTheme('high-contrast'));
      await showTab(page, 'loss');
      await frames(page, 4);
      await shot(page, '[data-view="loss"] .chart', 'loss-single-high-contrast');
      await page.screenshot({ path: path.join(ARTIFACTS, 'page-single-high-contrast.png') });
      await assertClean(opened);
    } finally {
      await page.context().close();
    }
  });

  for (const theme of THEMES) {
    test(`comparison of 3 runs (${theme}): legend names what differs, overlays, paper-shaped table, Stop`, async () => {
      const opened = await open('compare', theme);
      const { page } = opened;
      try {
        const labels = ['loss=dcl, batch=256', 'loss=infonce, batch=256', 'loss=dcl, batch=64'];
        assert.deepEqual(await page.$$eval('.compare-runs .run-label', (els) => els.map((e) => e.textContent)), labels);
        assert.deepEqual(await page.$$eval('.compare-runs .state-badge', (els) => els.map((e) => e.textContent)), ['finished', 'finished', 'running']);

        assert.deepEqual(await legend(page, 'loss'), labels.flatMap((l) => [`${l} (raw)`, l]));
        const [loss] = await canvasStats(page, 'loss', RED[theme]);
        assert.ok(loss.hits > 300, 'the second run is drawn in the second palette colour');
        await shot(page, '[data-view="loss"] .chart', `loss-compare-${theme}`);

        await showTab(page, 'npc');
        assert.deepEqual(await legend(page, 'npc', 0), labels.flatMap((l) => [`${l} p16`, `${l} median`, `${l} p84`]));
        assert.match((await page.textContent('[data-view="npc"] .note')) ?? '', /InfoNCE scales every sample's gradient[\s\S]*diagnostic/);
        await shot(page, '[data-view="npc"] .chart >> nth=0', `npc-bands-compare-${theme}`);
        await shot(page, '[data-view="npc"] .chart >> nth=1', `npc-histogram-compare-${theme}`);
        assert.equal((await legend(page, 'npc', 1)).length, 3);

        await showTab(page, 'knn');
        assert.deepEqual(await legend(page, 'knn'), labels.flatMap((l) => [l, `${l} best`]));
        await shot(page, '[data-view="knn"] .chart', `knn-compare-${theme}`);

        await showTab(page, 'table');
        assert.deepEqual(await page.$$eval('table.comparison thead th', (els) => els.map((e) => e.textContent)), ['Loss', 'B = 64', 'B = 256']);
        assert.deepEqual(await page.$$eval('table.comparison tbody th', (els) => els.map((e) => e.textContent)), ['InfoNCE (SimCLR)', 'DCL']);
        await page.click('[data-view="table"] vscode-button:has-text("Copy as Markdown")');
        const copy = (await posted(page)).find((m) => m.type === 'copyText');
        const runs = COMPARED.map((o, i) => {
          const series = seriesFromEvents(fixtureEvents(o));
          return chartRun(series, runLabels(COMPARED.map((c, j) => ({ runId: `r${j}`, config: fixtureConfig(c) })))[i], fixtureConfig(o));
        });
        const expected = comparisonMarkdown(comparisonTable(runs.map((run, i) => ({ run, config: fixtureConfig(COMPARED[i]), knn: knnSummary(run) }))));
        assert.equal(copy?.text, expected);
        assert.match(expected, /\| DCL \| \d+\.\d \(\d+\.\d\) \| \d+\.\d \(\d+\.\d\) \|/);
        await shot(page, '[data-view="table"]', `table-compare-${theme}`);

        // Only the running run has a Stop button; it asks the host to stop that run.
        const stops = page.locator('.compare-runs vscode-button');
        assert.deepEqual(await stops.evaluateAll((els) => els.map((e) => !(e as HTMLElement).hidden)), [false, false, true]);
        await stops.nth(2).click();
        assert.deepEqual((await posted(page)).filter((m) => m.type === 'stopRun'), [{ type: 'stopRun', run: 2 }]);
        await page.screenshot({ path: path.join(ARTIFACTS, `page-compare-${theme}.png`), fullPage: true });
        await assertClean(opened);
      } finally {
        await page.context().close();
      }
    });
  }

  for (const theme of THEMES) {
    test(`NPC vs batch size (${theme}): a recorded profile draws one labelled density per batch size and the Cv line`, async () => {
      const opened = await open('single', theme);
      const { page } = opened;
      try {
        await showTab(page, 'npcProfile');
        const trained = readProfile(PROFILE_FILES.trained);
        assert.deepEqual(await legend(page, 'npcProfile', 0), trained.rows.map(rowLabel));
        assert.deepEqual(await legend(page, 'npcProfile', 1), ['Cv (σ/μ)', 'mean q']);
        const [density, cv] = await canvasStats(page, 'npcProfile', BLUE[theme], RED[theme]);
        assert.ok(density.width > 800 && cv.width > 800, `canvases ${density.width}, ${cv.width} px wide`);
        assert.ok(density.hits > 150, `the B = 16 density is drawn in palette slot 0 (${density.hits} px)`);
        assert.ok(cv.hits > 100, `the Cv line is drawn in palette slot 0 (${cv.hits} px)`);
        assert.ok(density.hits2 > 150, `the B = 32 density is drawn in palette slot 1 (${density.hits2} px)`);
        assert.ok(cv.hits2 > 50, `the mean-q line is drawn in palette slot 1 (${cv.hits2} px)`);
        assert.deepEqual(
          await page.$$eval('[data-view="npcProfile"] table.comparison tbody th', (els) => els.map((e) => e.textContent)),
          ['16', '32', '64', '128'],
        );
        assert.match((await page.textContent('[data-view="npcProfile"] .note')) ?? '', /smaller and more spread out in small batches/);
        assert.match((await page.textContent('[data-view="npcProfile"] .profile-picker')) ?? '', /checkpoint at step 8 \(epoch 1\) · B = 16…128/);
        assert.ok(await page.locator('[data-view="npcProfile"] .error-banner').isHidden(), 'no skipped files');
        await page.locator('[data-view="npcProfile"]').screenshot({ path: path.join(ARTIFACTS, `npc-vs-batch-${theme}.png`) });
        await assertClean(opened);
      } finally {
        await page.context().close();
      }
    });
  }

  test('NPC vs batch size: compute requests, job progress, failures, picking a profile, exports, state across a reload', async () => {
    const opened = await open('single', 'dark');
    const { page } = opened;
    try {
      await showTab(page, 'npcProfile');
      await page.click('[data-view="npcProfile"] vscode-button:has-text("Compute for initial model")');
      await page.click('[data-view="npcProfile"] vscode-button:has-text("Compute for latest checkpoint")');
      assert.deepEqual((await posted(page)).filter((m) => m.type === 'computeNpcProfile'), [
        { type: 'computeNpcProfile', run: 0, initial: true },
        { type: 'computeNpcProfile', run: 0, initial: false },
      ]);

      // While the host runs the CLI: progress shown, compute buttons disabled, Cancel offered.
      await hostSends(page, { type: 'npcProfileJob', run: 0, job: { state: 'running', initial: true, progress: 0.375, stage: 'batch size 32' } });
      assert.equal(await page.textContent('[data-view="npcProfile"] [role="status"]'), 'Computing for the initial model: batch size 32 (38%)…');
      assert.deepEqual(await page.$$eval('[data-view="npcProfile"] vscode-button', (els) => els.filter((e) => /Compute/.test(e.textContent ?? '')).map((e) => e.hasAttribute('disabled'))), [true, true]);
      await page.click('[data-view="npcProfile"] vscode-button:has-text("Cancel")');
      assert.deepEqual((await posted(page)).filter((m) => m.type === 'cancelNpcProfile'), [{ type: 'cancelNpcProfile', run: 0 }]);
      await hostSends(page, { type: 'npcProfileJob', run: 0, job: { state: 'failed', message: 'run folder has no checkpoint' } });
      assert.equal(await page.textContent('[data-view="npcProfile"] [role="status"]'), 'Computation failed: run folder has no checkpoint');
      assert.ok(await page.locator('[data-view="npcProfile"] vscode-button:has-text("Cancel")').isHidden());

      // The host announces a new profile: the view switches to it.
      const initial = readProfile(PROFILE_FILES.initial);
      const trained = readProfile(PROFILE_FILES.trained);
      await hostSends(page, {
        type: 'npcProfiles',
        run: 0,
        profiles: [{ file: PROFILE_FILES.trained, profile: trained }, { file: PROFILE_FILES.initial, profile: initial }],
        problems: [],
        select: PROFILE_FILES.initial,
      });
      await hostSends(page, { type: 'npcProfileJob', run: 0, job: { state: 'done' } });
      assert.deepEqual(await legend(page, 'npcProfile', 0), initial.rows.map(rowLabel));
      assert.ok(await page.locator('[data-view="npcProfile"] [role="status"]').isHidden());
      const state = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('dcl-charts-test-state') ?? 'null') as PersistedChartsState);
      assert.equal((await state()).ui.profileFile, PROFILE_FILES.initial);

      // The picker goes back to the trained model; the log-y toggle changes the scale; both persist.
      await page.click('[data-view="npcProfile"] .profile-picker vscode-single-select');
      await page.click('[data-view="npcProfile"] .profile-picker li.option:has-text("checkpoint at step 8")');
      await page.click('[data-view="npcProfile"] vscode-checkbox:has-text("log y")');
      await frames(page);
      assert.deepEqual(await legend(page, 'npcProfile', 0), trained.rows.map(rowLabel));
      assert.deepEqual((await state()).ui, { ...(await state()).ui, tab: 'npcProfile', profileFile: PROFILE_FILES.trained, profileLogY: true });
      await page.locator('[data-view="npcProfile"] .chart >> nth=0').screenshot({ path: path.join(ARTIFACTS, 'npc-vs-batch-density-dark-logy.png') });

      // Exports: densities (per bin) from the first chart, the per-size summary from the Cv chart, a PNG.
      await page.click('[data-view="npcProfile"] .chart >> nth=0 >> vscode-button:has-text("CSV")');
      await page.click('[data-view="npcProfile"] .chart >> nth=1 >> vscode-button:has-text("CSV")');
      await page.click('[data-view="npcProfile"] .chart >> nth=1 >> vscode-button:has-text("PNG")');
      const saves = (await posted(page)).filter((m) => m.type === 'saveFile');
      assert.deepEqual(saves.map((m) => [m.format, m.suggestedName]), [
        ['csv', 'npc-vs-batch-charts-run-step8-b16_32_64_128-n2-s0-density.csv'],
        ['csv', 'npc-vs-batch-charts-run-step8-b16_32_64_128-n2-s0-cv.csv'],
        ['png', 'npc-vs-batch-charts-run-step8-b16_32_64_128-n2-s0-cv.png'],
      ]);
      assert.ok((saves[0].content as string).startsWith('bin_low,bin_high,density_b16,density_b32,density_b64,density_b128\n'));
      assert.equal((saves[1].content as string).trim().split('\n').length, 5);
      const png = Buffer.from(saves[2].contentBase64 as string, 'base64');
      assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      fs.writeFileSync(path.join(ARTIFACTS, 'export-npc-vs-batch-cv-dark.png'), png);

      // A reload (VS Code recreates hidden webviews) comes back on the same tab, profile and scale.
      await page.reload();
      await settle(page);
      await page.waitForSelector('[data-view="npcProfile"]:not([hidden]) .uplot canvas', { timeout: 5000 });
      await frames(page);
      assert.deepEqual(await legend(page, 'npcProfile', 0), trained.rows.map(rowLabel));
      assert.equal(await page.$eval('[data-view="npcProfile"] vscode-checkbox', (e) => (e as HTMLElement & { checked: boolean }).checked), true);
      await assertClean(opened);
    } finally {
      await page.context().close();
    }
  });

  test('NPC vs batch size: unreadable cached files are skipped with a visible note', async () => {
    const opened = await open('brokenProfiles', 'light');
    const { page } = opened;
    try {
      await showTab(page, 'npcProfile');
      assert.match((await page.textContent('[data-view="npcProfile"] .error-banner')) ?? '', /^Skipped truncated\.json: not valid JSON/);
      assert.equal((await legend(page, 'npcProfile', 0)).length, 4, 'the valid profile still draws');
      await assertClean(opened);
    } finally {
      await page.context().close();
    }
  });

  test('NPC vs batch size in a comparison: one run at a time, picked from the run list', async () => {
    const opened = await open('compare', 'dark');
    const { page } = opened;
    try {
      await showTab(page, 'npcProfile', '[data-view="npcProfile"]:not([hidden]) [role="status"]');
      assert.match((await page.textContent('[data-view="npcProfile"] .note')) ?? '', /one run at a time/);
      assert.equal(await page.textContent('[data-view="npcProfile"] [role="status"]'), 'No profile yet: compute one for the latest checkpoint or the initial model.');
      await page.click('[data-view="npcProfile"] .controls > vscode-single-select');
      await page.click('[data-view="npcProfile"] .controls > vscode-single-select li.option:has-text("loss=dcl, batch=64")');
      await page.waitForSelector('[data-view="npcProfile"] .uplot canvas', { timeout: 5000 });
      await frames(page);
      assert.equal((await legend(page, 'npcProfile', 0)).length, 4);
      await page.click('[data-view="npcProfile"] vscode-button:has-text("Compute for latest checkpoint")');
      assert.deepEqual((await posted(page)).filter((m) => m.type === 'computeNpcProfile'), [{ type: 'computeNpcProfile', run: 2, initial: false }]);
      await page.locator('[data-view="npcProfile"]').screenshot({ path: path.join(ARTIFACTS, 'npc-vs-batch-compare-dark.png') });
      await assertClean(opened);
    } finally {
      await page.context().close();
    }
  });
});
