/**
 * The projection panel's host side end to end, under a fake `vscode`: page messages in, the real CLI code
 * spawned as a child process (this very bundle acts as dist/cli.js, see ACT_AS_CLI), typed arrays out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runExportEmbeddingsCommand } from '../../src/cli/exportEmbeddingsCommand';
import { runProjectCommand } from '../../src/cli/projectCommand';
import type { HostToProjection } from '../../src/shared/projectionMessages';
import { readSampleImages } from '../../src/trainer/embeddings/format';
import { FakeUri, FakeVscodeHost, FakeWebviewPanel, installFakeVscodeHost } from './fakeVscodeHost';
import { FIXTURE_ROOT } from './fixture';
import { tempDir } from './helpers';
import { TSNE_MAX_ITERATIONS } from '../../src/trainer/embeddings/tsne';

const ACT_AS_CLI = process.env.DCL_PROJECTION_TEST_CLI === '1';

if (ACT_AS_CLI) {
  // Spawned by the panel through the dist/cli.js shim below: behave like `dcl-explorer <command> …`.
  void (async () => {
    const [command, ...argv] = process.argv.slice(2);
    try {
      if (command === 'project') await runProjectCommand(argv);
      else if (command === 'export-embeddings') await runExportEmbeddingsCommand(argv);
      else throw new Error(`unknown command "${command}"`);
    } catch (e) {
      process.stderr.write(`dcl-explorer: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  })();
} else {
  describe('projection panel (host) with a fake vscode', () => {
    let tmp: { dir: string; cleanup: () => void };
    let fake: FakeVscodeHost;
    let uninstall: () => void;
    let runA: string, runB: string;
    let panel: FakeWebviewPanel;
    const disposables: { dispose(): void }[] = [];

    const posted = <T extends HostToProjection['type']>(p: FakeWebviewPanel, type: T) => p.posted.filter((m) => (m as HostToProjection).type === type) as Extract<HostToProjection, { type: T }>[];

    async function waitFor<T>(what: string, f: () => T | undefined | false, timeoutMs = 30000): Promise<T> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const v = f();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    const projection = (requestId: number) => waitFor(`projection ${requestId}`, () => posted(panel, 'projection').find((m) => m.requestId === requestId));
    const error = (requestId: number) => waitFor(`error ${requestId}`, () => posted(panel, 'error').find((m) => m.requestId === requestId));

    before(async () => {
      tmp = tempDir('dcl-proj-panel-');
      // Copies: the CLI writes its cache into the run folders.
      runA = path.join(tmp.dir, 'runs', 'infonce');
      runB = path.join(tmp.dir, 'runs', 'dcl');
      fs.cpSync(path.join(FIXTURE_ROOT, 'infonce'), runA, { recursive: true });
      fs.cpSync(path.join(FIXTURE_ROOT, 'dcl'), runB, { recursive: true });
      const ext = path.join(tmp.dir, 'ext');
      fs.mkdirSync(path.join(ext, 'dist'), { recursive: true });
      fs.writeFileSync(path.join(ext, 'dist', 'cli.js'), `process.env.DCL_PROJECTION_TEST_CLI = '1';\nrequire(${JSON.stringify(__filename)});\n`);
      fake = new FakeVscodeHost();
      uninstall = installFakeVscodeHost(fake, tmp.dir);
      // Loaded after the fake is installed: the module requires 'vscode' when it initialises.
      const { registerProjection } = await import('../../src/host/projection/register');
      disposables.push(...(registerProjection({
          context: { extensionUri: FakeUri.file(ext), subscriptions: [] },
          runsRootOrWarn: () => path.join(tmp.dir, 'runs'),
          cliRuntime: () => ({ nodePath: process.execPath, cliPath: path.join(ext, 'dist', 'cli.js') }),
        } as never) as { dispose(): void }[]));
    });

    after(() => {
      for (const p of fake?.panels ?? []) p.dispose();
      for (const d of disposables) d.dispose();
      uninstall?.();
      tmp?.cleanup();
    });

    it('opens a strict-CSP page and answers catalog, projection (then from the cache), neighbours and thumbnails', async () => {
      await fake.commands.get('dclExplorer.openProjection')!({ runDir: runA });
      panel = fake.panels[0];
      assert.equal(panel.viewType, 'dclExplorer.projection');
      assert.match(panel.webview.html, /script-src 'nonce-[^']+'/);
      assert.ok(panel.webview.html.includes(`/webview${path.join(tmp.dir, 'ext', 'dist', 'webview', 'projection.js')}`), 'bundle loaded from dist/webview');
      assert.equal((panel.webview.options.localResourceRoots as unknown[]).length, 2);
      assert.equal(panel.title, 'Projection: infonce');

      panel.fromPage({ type: 'ready' });
      const catalog = await waitFor('catalog', () => posted(panel, 'catalog')[0]);
      assert.equal(catalog.views.length, 1);
      assert.equal(catalog.views[0].runName, 'InfoNCE fixture');
      assert.deepEqual(catalog.views[0].snapshots.map((s) => s.epoch), [1, 3]);
      assert.equal(catalog.views[0].hasImages, true);

      panel.fromPage({ type: 'select', slot: 0, requestId: 1, epoch: 3, layer: 'encoder', method: 'pca', params: {} });
      const first = (await projection(1));
      assert.ok(first.coords instanceof Float32Array && first.coords.length === 1000, 'coordinates as a Float32Array');
      assert.ok(first.labels instanceof Int32Array && first.indices instanceof Int32Array);
      assert.equal(first.cached, false, 'computed: the copied run has new file times, so a new key');
      assert.ok(posted(panel, 'busy').some((b) => b.requestId === 1 && typeof b.progress === 'number'), 'progress forwarded to the page');
      assert.equal(first.header.epoch, 3);
      assert.ok(first.header.metrics.knnAccuracy! > 0.8);

      panel.fromPage({ type: 'select', slot: 0, requestId: 2, epoch: 3, layer: 'encoder', method: 'pca', params: {} });
      const second = (await projection(2));
      assert.equal(second.cached, true);
      assert.deepEqual(second.coords, first.coords);

      panel.fromPage({ type: 'neighbours', slot: 0, point: 5, k: 10 });
      const nb = await waitFor('neighbours', () => posted(panel, 'neighbours')[0]);
      assert.ok(nb.neighbours instanceof Int32Array && nb.neighbours.length === 10 && !nb.neighbours.includes(5));
      assert.ok(nb.similarities.every((s, i) => i === 0 || s <= nb.similarities[i - 1]), 'most similar first');

      panel.fromPage({ type: 'thumbnail', slot: 0, point: 5 });
      const thumb = await waitFor('thumbnail', () => posted(panel, 'thumbnail')[0]);
      const images = readSampleImages(runA)!;
      const row = images.header.indices.indexOf(first.indices[5]);
      assert.deepEqual(thumb.pixels, images.images.slice(row * 144, (row + 1) * 144));
      assert.deepEqual([thumb.height, thumb.width, thumb.channels], [12, 12, 1]);

      const before = panel.posted.length;
      panel.fromPage({ type: 'select', slot: 0 });
      panel.fromPage({ type: 'eval', code: 'x' });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(panel.posted.length, before, 'malformed page messages are dropped');
    });

    it('reports CLI errors to the view, and a newer selection or Cancel kills the running job', async () => {
      panel.fromPage({ type: 'select', slot: 0, requestId: 3, epoch: 3, layer: 'encoder', method: 'tsne', params: { perplexity: 400, iterations: 1000, seed: 1 } });
      assert.match((await error(3)).message, /perplexity 400 needs at least 1201 points, this embedding has 500/);

      const slow = { epoch: 3, layer: 'encoder', method: 'tsne', params: { perplexity: 30, iterations: TSNE_MAX_ITERATIONS, seed: 1 } };
      panel.fromPage({ type: 'select', slot: 0, requestId: 4, ...slow });
      await waitFor('job 4 to report progress', () => posted(panel, 'busy').some((b) => b.requestId === 4 && (b.progress ?? 0) > 0));
      panel.fromPage({ type: 'select', slot: 0, requestId: 5, epoch: 1, layer: 'encoder', method: 'pca', params: {} });
      assert.equal((await error(4)).message, 'Cancelled.');
      assert.equal((await projection(5)).header.epoch, 1);

      fake.cancelProgress = true;
      panel.fromPage({ type: 'select', slot: 0, requestId: 6, ...slow, params: { ...slow.params, seed: 2 } });
      assert.equal((await error(6)).message, 'Cancelled.');
      assert.ok(fake.progressTitles.some((t) => /^t-SNE of infonce, epoch 3$/.test(t)), fake.progressTitles.join(' | '));
      fake.cancelProgress = false;
    });

    it('compares with a run picked from the runs folder, and closes the comparison', async () => {
      fake.quickPick = (items) => items.find((i) => i.runDir === runB);
      panel.fromPage({ type: 'compare' });
      const two = await waitFor('a two-view catalog', () => posted(panel, 'catalog').find((c) => c.views.length === 2));
      assert.deepEqual(two.views.map((v) => v.runDir), [runA, runB]);
      assert.equal(panel.title, 'Projection: infonce vs dcl');
      const count = posted(panel, 'catalog').length;
      panel.fromPage({ type: 'closeCompare', slot: 0 });
      const one = await waitFor('a one-view catalog', () => posted(panel, 'catalog').slice(count).find((c) => c.views.length === 1));
      assert.equal(one.views[0].runDir, runB, 'closing the first view keeps the second run');
    });

    it('restores a panel from the saved webview state, and closes one whose runs are gone', async () => {
      const serializer = fake.serializers.get('dclExplorer.projection')!;
      const restored = new FakeWebviewPanel('dclExplorer.projection');
      await serializer.deserializeWebviewPanel(restored, { runs: [runA, runB], method: 'pca' });
      assert.ok(!restored.disposed && restored.webview.html.includes('projection.js'));
      assert.equal(restored.title, 'Projection: infonce vs dcl');
      const orphan = new FakeWebviewPanel('dclExplorer.projection');
      await serializer.deserializeWebviewPanel(orphan, { runs: [path.join(tmp.dir, 'deleted-run')] });
      assert.equal(orphan.disposed, true);
      restored.dispose();
    });
  });
}
