/**
 * The trainer's training step on tfjs-backend-webgpu, in headless Chromium on SwiftShader (a software WebGPU
 * adapter, so no GPU is needed), against the cpu backend in the same page: loss, NPC multipliers and the SGD
 * update for every encoder × loss at small shapes. This is what CI can check of the webgpu kernels; speed on a
 * real GPU is the device script's business (scripts/device/gpu-check.sh).
 *
 * Under CI=true a missing Chromium or WebGPU adapter fails the suite; elsewhere it skips with the reason.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { LossKind } from '../../src/shared/protocol';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../charts/browserHarness';
import { assertAllClose } from '../helpers/tf';
import type { StepCase, StepResult } from './step.page';

const PAGE_BUNDLE = path.join(__dirname, 'step.page.js');
/** SwiftShader's WebGPU needs both flags; --disable-gpu leaves it alone (it only turns off the hardware GPU process). */
const WEBGPU_ARGS = [...CHROMIUM_ARGS, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'];

const ALL_LOSSES: LossKind[] = ['infonce', 'dcl', 'dclw'];
/**
 * Every loss on the mlp (views as one batch of 2N) and the cnn (batch norm, per-view passes, grayscale affine
 * augmentation); resnet18 (RGB colour augmentation, residual blocks) with dclw, the loss with the most pieces:
 * its 11 M parameters take about a minute a step on SwiftShader with 2 cores, so one loss keeps CI in budget.
 */
const CASES: (Omit<StepCase, 'backend' | 'loss'> & { losses: LossKind[] })[] = [
  { encoder: 'mlp', shape: [8, 8, 1], batch: 4, losses: ALL_LOSSES },
  { encoder: 'cnn', shape: [8, 8, 1], batch: 4, losses: ALL_LOSSES },
  { encoder: 'resnet18', shape: [8, 8, 3], batch: 4, losses: ['dclw'] },
];

/** The page: the bundle and nothing else, served from 127.0.0.1 (WebGPU needs a secure context). */
function serve(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/step.page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(PAGE_BUNDLE));
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><head><script src="/step.page.js"></script></head><body></body></html>');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('training step on webgpu (headless Chromium, SwiftShader) matches cpu', () => {
  let browser: Browser | undefined;
  // One page per backend: switching one page between cpu and webgpu loses SwiftShader's device on the next step.
  const pages: Record<string, Page> = {};
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  let unavailable: string | undefined;
  const problems: string[] = [];

  before(async () => {
    assert.ok(fs.existsSync(PAGE_BUNDLE), `${PAGE_BUNDLE} is missing: build the tests first (node scripts/build.mjs)`);
    if (!fs.existsSync(CHROMIUM_PATH)) {
      unavailable = `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) to run the webgpu step test`;
      return;
    }
    const { chromium } = await import('playwright-core');
    server = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: WEBGPU_ARGS });
    for (const backend of ['cpu', 'webgpu']) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => problems.push(`${backend} page error: ${e.message}`));
      await page.goto(server.origin);
      pages[backend] = page;
    }
    const adapter = await pages.webgpu.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      if (!gpu) return 'navigator.gpu is missing (WebGPU disabled)';
      return (await gpu.requestAdapter()) ? '' : 'navigator.gpu.requestAdapter() gave no adapter';
    });
    if (adapter) unavailable = `Chromium has no WebGPU adapter (${adapter}); it needs --enable-unsafe-webgpu --enable-unsafe-swiftshader`;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  function available(t: TestContext): boolean {
    if (!unavailable) return true;
    // CI installs Chromium, so there this is a failure, not a reason to skip.
    if (process.env.CI === 'true') assert.fail(unavailable);
    t.skip(unavailable);
    return false;
  }

  const run = (c: StepCase): Promise<StepResult> =>
    pages[c.backend].evaluate((arg) => (globalThis as unknown as { runStep(c: StepCase): Promise<StepResult> }).runStep(arg), c);

  for (const { losses, ...base } of CASES) {
    for (const loss of losses) {
      test(`${base.encoder} ${base.shape.join('×')} batch ${base.batch}, ${loss}: loss, NPC and one SGD update`, { timeout: 240_000 }, async (t) => {
        if (!available(t)) return;
        const cpu = await run({ ...base, loss, backend: 'cpu' });
        const gpu = await run({ ...base, loss, backend: 'webgpu' });
        assert.deepEqual(problems, []);
        assert.equal(cpu.backend, 'cpu');
        assert.equal(gpu.backend, 'webgpu', 'the step ran on webgpu');
        assert.ok(cpu.applied && gpu.applied, 'both steps applied an update');
        assert.ok(Number.isFinite(cpu.loss) && cpu.loss > 0, `cpu loss ${cpu.loss}`);
        assertAllClose([gpu.loss], [cpu.loss], 2e-3, 1e-4, 'loss');
        assertAllClose(gpu.npc, cpu.npc, 5e-3, 1e-4, 'NPC multipliers');
        // Every variable moves by the same amount; the ends are compared value by value, scaled by the update.
        assertAllClose(gpu.updateNorms, cpu.updateNorms, 2e-2, 1e-6, 'per-variable update norms');
        assert.ok(cpu.updateNorms.every((n) => n > 0), 'every variable moved');
        cpu.ends.forEach((v, k) => {
          // The second model built in a page gets numbered layer names (enc_dense1_1/kernel).
          assert.equal(gpu.ends[k].name.replace(/_\d+(?=\/|$)/g, ''), v.name.replace(/_\d+(?=\/|$)/g, ''));
          assert.deepEqual(gpu.ends[k].before, v.before, `${v.name}: both backends start from the same seeded weights`);
          const step = Math.max(...v.after.map((a, i) => Math.abs(a - v.before[i])));
          assert.ok(step > 0, `${v.name} moved`);
          assertAllClose(gpu.ends[k].after, v.after, 0, 1e-7 + 2e-2 * step, `${v.name} after the update`);
        });
        assert.equal(gpu.leaked, cpu.leaked, 'the step leaves as many tensors on webgpu as on cpu');
      });
    }
  }
});
