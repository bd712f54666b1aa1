/**
 * The projection webview in headless Chromium, served exactly as the panel builds it (strict CSP) with a
 * fake VS Code API answering from the recorded fixture. Screenshots go to test-artifacts/projection/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../helpers/paths';
import { CLASS_NAMES, FIXTURE_EPOCHS, FIXTURE_ROOT, FIXTURE_RUNS, fixtureProjection } from './fixture';
import { fixtureFromRuns, startPageServer, type PageFixture, type PageServer } from './pageServer';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.join(repoRoot(), 'test-artifacts', 'projection');
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Chromium to run the browser test of the projection webview`;

interface Opened {
  page: Page;
  problems: string[];
}

describe('projection webview in headless Chromium', { skip }, () => {
  let browser: Browser;
  let server: PageServer;
  let fx: PageFixture;

  before(async () => {
    const runs = FIXTURE_RUNS.map((r) => path.join(FIXTURE_ROOT, r));
    const files = runs.map((run) => Object.fromEntries(FIXTURE_EPOCHS.map((e) => [e, fixtureProjection(run, e)])));
    fx = await fixtureFromRuns(runs, files);
    server = await startPageServer(fx);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(query: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${server.origin}/?${query}`);
    await page.waitForFunction((n) => document.querySelectorAll('.view .caption').length === n && Array.from(document.querySelectorAll('.view .caption')).every((c) => /epoch/.test(c.textContent ?? '')), query.includes('views=2') ? 2 : 1);
    return { page, problems };
  }

  async function finish(o: Opened, shot: string): Promise<void> {
    await o.page.screenshot({ path: path.join(ARTIFACTS, shot) });
    const csp = await o.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    await o.page.close();
    assert.deepEqual(csp, [], 'no CSP violations');
    assert.deepEqual(o.problems, [], 'no console errors');
  }

  /** Pixels of a view's canvas that differ from the background, and how many class colours appear. */
  function inkOf(page: Page, slot: number): Promise<{ ink: number; classes: number; width: number }> {
    return page.evaluate((s) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`.view[data-slot="${s}"] canvas.scatter-canvas`)!;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(canvas, 0, 0);
      const d = ctx.getImageData(0, 0, copy.width, copy.height).data;
      const [br, bg, bb] = [d[0], d[1], d[2]];
      const tableau = [[78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79], [237, 201, 72], [176, 122, 161], [255, 157, 167], [156, 117, 95], [186, 176, 172]];
      const seen = new Set<number>();
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - br) + Math.abs(d[i + 1] - bg) + Math.abs(d[i + 2] - bb) < 40) continue;
        ink++;
        // A class colour drawn opaque, or blended over the background at the points' alpha (≥ 150/255).
        tableau.forEach((c, k) => {
          for (const a of [1, 0.9, 0.75, 0.59]) {
            const e = [0, 1, 2].map((j) => a * c[j] + (1 - a) * [br, bg, bb][j]);
            if (Math.abs(d[i] - e[0]) + Math.abs(d[i + 1] - e[1]) + Math.abs(d[i + 2] - e[2]) < 24) seen.add(k);
          }
        });
      }
      return { ink, classes: seen.size, width: copy.width };
    }, slot);
  }

  /** Moves the mouse over a grid of the first view until the tooltip names a point; returns its position and text. */
  async function hoverSomePoint(page: Page): Promise<{ x: number; y: number; point: number; text: string }> {
    const box = (await page.locator('.view[data-slot="0"] canvas.scatter-canvas').boundingBox())!;
    for (let gy = 1; gy < 24; gy++) {
      for (let gx = 1; gx < 24; gx++) {
        const x = box.x + (box.width * gx) / 24, y = box.y + (box.height * gy) / 24;
        await page.mouse.move(x, y);
        const text = await page.evaluate(() => {
          const t = document.querySelector<HTMLElement>('.tooltip');
          return t && !t.hidden ? t.textContent ?? '' : '';
        });
        const m = /point (\d+)/.exec(text);
        if (m) return { x, y, point: Number(m[1]), text };
      }
    }
    throw new Error('no point found under the mouse anywhere on the canvas');
  }

  it('draws the recorded PCA with WebGL (SwiftShader), hover shows label and image, click lists neighbours', async () => {
    const o = await open('views=1');
    const { page } = o;
    assert.equal(await page.locator('.renderer').textContent(), 'WebGL', 'WebGL available under --disable-gpu (SwiftShader)');
    const drawn = await inkOf(page, 0);
    assert.ok(drawn.ink > 2000, `canvas has ${drawn.ink} non-background pixels`);
    assert.equal(drawn.classes, 10, 'all ten class colours drawn');
    const metrics = await page.locator('.view[data-slot="0"] .metrics').textContent();
    assert.match(metrics ?? '', /kNN acc\s*\d+\.\d%.*silhouette\s*-?\d\.\d{3}.*2-D silhouette.*PCA variance/);

    const hit = await hoverSomePoint(page);
    const payload = fx.projections['0:3:pca'];
    const label = payload.labels[hit.point];
    assert.ok(hit.text.includes(`${CLASS_NAMES[label]} (label ${label})`), `tooltip "${hit.text}" names class ${CLASS_NAMES[label]}`);
    assert.ok(hit.text.includes(`test #${payload.indices[hit.point]}`), 'tooltip shows the test-split index');
    await page.waitForSelector('.tooltip canvas.thumbnail');
    await page.screenshot({ path: path.join(ARTIFACTS, 'hover.png') });

    await page.mouse.click(hit.x, hit.y);
    await page.waitForFunction(() => document.querySelectorAll('.neighbours li').length === 10);
    const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted);
    assert.ok(posted.some((m) => m.type === 'neighbours' && (m as unknown as { point: number }).point === hit.point), 'asked the host for neighbours of the clicked point');
    const firstNeighbour = Number(await page.locator('.neighbours li').first().getAttribute('data-point'));
    assert.equal(firstNeighbour, fx.neighbours['0:3'].list[hit.point * 10], 'list order = cosine order');
    await page.mouse.move(5, 5);
    await finish(o, 'single-webgl.png');
  });

  it('renders with the Canvas 2D fallback, hides a class from the legend and remembers it', async () => {
    const o = await open(`views=1&state=${encodeURIComponent(JSON.stringify({ renderer: 'canvas2d' }))}`);
    const { page } = o;
    assert.equal(await page.locator('.renderer').textContent(), 'Canvas 2D');
    const before = await inkOf(page, 0);
    assert.ok(before.ink > 2000 && before.classes === 10, JSON.stringify(before));
    await page.locator('.legend-item[data-label="3"]').click();
    await page.waitForFunction(() => document.querySelector('.legend-item[data-label="3"]')?.getAttribute('aria-pressed') === 'false');
    await page.waitForTimeout(100);
    const afterHide = await inkOf(page, 0);
    assert.equal(afterHide.classes, 9, 'one class hidden');
    assert.ok(afterHide.ink < before.ink, `ink ${afterHide.ink} < ${before.ink}`);
    const states = await page.evaluate(() => (window as unknown as { __states: { hiddenClasses: number[] }[] }).__states);
    assert.deepEqual(states[states.length - 1].hiddenClasses, [3]);
    await finish(o, 'canvas2d-hidden.png');
  });

  it('compares two runs side by side with linked colours, and switches epoch', async () => {
    const o = await open('views=2');
    const { page } = o;
    for (const slot of [0, 1]) {
      const ink = await inkOf(page, slot);
      assert.ok(ink.ink > 1500 && ink.classes === 10, `view ${slot}: ${JSON.stringify(ink)}`);
    }
    assert.deepEqual(await page.locator('.view .run-name').allTextContents(), ['InfoNCE fixture', 'DCL fixture']);
    assert.equal(await page.locator('.legend-item[data-label="0"] .legend-count').textContent(), '50 / 50', 'legend counts per view');
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-epoch3.png') });

    await page.locator('.view[data-slot="1"] select[aria-label="Epoch"]').selectOption('1');
    await page.waitForFunction(() => /epoch 1 /.test(document.querySelector('.view[data-slot="1"] .caption')?.textContent ?? ''));
    const posted = await page.evaluate(() => (window as unknown as { __posted: Record<string, unknown>[] }).__posted);
    assert.ok(posted.some((m) => m.type === 'select' && m.slot === 1 && m.epoch === 1 && m.method === 'pca'), 'asked for epoch 1');
    // A method the fixture does not hold comes back as an error in the view, not a crash.
    await page.locator('select[aria-label="Projection method"]').selectOption('tsne');
    await page.waitForFunction(() => document.querySelectorAll('.status.error:not([hidden])').length === 2);
    assert.match((await page.locator('.view[data-slot="0"] .status').textContent()) ?? '', /no tsne projection of epoch 3/);
    await page.locator('select[aria-label="Projection method"]').selectOption('pca');
    await page.waitForFunction(() => document.querySelectorAll('.status.error:not([hidden])').length === 0);
    await finish(o, 'compare-epoch1.png');
  });

  it('follows the light theme', async () => {
    const o = await open('views=1&theme=light');
    const bg = await o.page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('canvas.scatter-canvas')!;
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      copy.getContext('2d')!.drawImage(c, 0, 0);
      return Array.from(copy.getContext('2d')!.getImageData(0, 0, 1, 1).data.slice(0, 3));
    });
    assert.deepEqual(bg, [255, 255, 255], 'canvas background = --vscode-editor-background');
    await finish(o, 'light.png');
  });

  it('follows the high-contrast theme', async () => {
    const o = await open('views=1&theme=high-contrast');
    const bg = await o.page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('canvas.scatter-canvas')!;
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      copy.getContext('2d')!.drawImage(c, 0, 0);
      return Array.from(copy.getContext('2d')!.getImageData(0, 0, 1, 1).data.slice(0, 3));
    });
    assert.deepEqual(bg, [0, 0, 0], 'canvas background = --vscode-editor-background');
    await finish(o, 'high-contrast.png');
  });
});
