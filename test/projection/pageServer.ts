/**
 * Serves the projection webview outside VS Code for headless Chromium: the exact HTML of the panel
 * (projectionHtml), the built bundle from dist/webview, a fake acquireVsCodeApi (fakeVsCodeApi.js) that
 * answers like the host, and the recorded host answers as a script (the CSP forbids fetch, as in VS Code).
 * Used by the browser test and by the frame-time benchmark.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { makeNonce, projectionHtml } from '../../src/host/projection/html';
import { CosineIndex } from '../../src/host/projection/neighbours';
import { listSnapshots, readSampleImageFile, readVectors } from '../../src/host/projection/runFiles';
import { buildCatalog, loadProjectionPayload, ThumbnailLookup } from '../../src/host/projection/viewData';
import type { ProjectionPayload, ViewCatalog } from '../../src/shared/projectionMessages';
import { repoRoot } from '../helpers/paths';

export const NEIGHBOURS_K = 10;

/** Everything the fake host can answer. Keys: `${slot}:${epoch}:${method}` for projections, `${slot}:${epoch}` for neighbours. */
export interface PageFixture {
  catalog: ViewCatalog[];
  projections: Record<string, ProjectionPayload>;
  neighbours: Record<string, { k: number; list: Int32Array; sims: Float32Array }>;
  thumbnails: Record<string, { height: number; width: number; channels: number; pixels: Uint8Array; testIndices: Int32Array }>;
}

/** Builds the fake host's answers from run folders with the host's own readers. `projectionFiles[slot][epoch]` = header path. */
export async function fixtureFromRuns(runDirs: string[], projectionFiles: Record<number, string>[]): Promise<PageFixture> {
  const fx: PageFixture = { catalog: [], projections: {}, neighbours: {}, thumbnails: {} };
  for (const [slot, runDir] of runDirs.entries()) {
    fx.catalog.push(await buildCatalog(slot, runDir));
    const snaps = await listSnapshots(runDir);
    for (const [epochText, file] of Object.entries(projectionFiles[slot])) {
      const epoch = Number(epochText);
      const payload = await loadProjectionPayload(runDir, file, slot, 0, Date.now());
      fx.projections[`${slot}:${epoch}:${payload.header.method}`] = payload;
      const entry = snaps.find((s) => s.epoch === epoch && s.layer === payload.header.layer)!;
      const index = new CosineIndex(await readVectors(runDir, entry), entry.count, entry.dim);
      const list = new Int32Array(entry.count * NEIGHBOURS_K);
      const sims = new Float32Array(entry.count * NEIGHBOURS_K);
      for (let p = 0; p < entry.count; p++) {
        const r = index.query(p, NEIGHBOURS_K);
        list.set(r.neighbours, p * NEIGHBOURS_K);
        sims.set(r.similarities, p * NEIGHBOURS_K);
      }
      fx.neighbours[`${slot}:${epoch}`] = { k: NEIGHBOURS_K, list, sims };
    }
    const images = await readSampleImageFile(runDir);
    if (images) {
      const lookup = new ThumbnailLookup(images.header, images.images);
      const size = images.header.height * images.header.width * images.header.channels;
      const testIndices = Int32Array.from(images.header.indices);
      const pixels = new Uint8Array(testIndices.length * size);
      testIndices.forEach((t, row) => pixels.set(lookup.pixels(t)!, row * size));
      fx.thumbnails[String(slot)] = { height: images.header.height, width: images.header.width, channels: images.header.channels, pixels, testIndices };
    }
  }
  return fx;
}

/** JSON with typed arrays as {"$typed": name, "b64": …}; fakeVsCodeApi.js turns them back into typed arrays. */
export function encodeFixture(fx: PageFixture): string {
  return JSON.stringify(fx, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return { $typed: value.constructor.name, b64: bytes.toString('base64') };
    }
    return value;
  });
}

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export async function startPageServer(fx: PageFixture): Promise<PageServer> {
  const root = repoRoot();
  const dist = path.join(root, 'dist', 'webview');
  for (const f of ['projection.js', 'projection.css']) {
    if (!fs.existsSync(path.join(dist, f))) throw new Error(`${path.join(dist, f)} is missing; build first (node scripts/build.mjs)`);
  }
  const fixtureScript = `window.__DCL_FIXTURE__ = ${encodeFixture(fx)};\n`;
  const fake = fs.readFileSync(path.join(root, 'test', 'projection', 'fakeVsCodeApi.js'), 'utf8');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      const html = projectionHtml({
        cspSource: origin,
        nonce: makeNonce(),
        scriptUris: [`${origin}/fixture-data.js`, `${origin}/fake-vscode-api.js`, `${origin}/dist/projection.js`],
        styleUris: [`${origin}/dist/projection.css`],
      });
      return send(200, 'text/html; charset=utf-8', html);
    }
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (url.pathname === '/fixture-data.js') return send(200, TYPES['.js'], fixtureScript);
    if (url.pathname === '/fake-vscode-api.js') return send(200, TYPES['.js'], fake);
    const m = /^\/dist\/([\w.-]+)$/.exec(url.pathname);
    if (m && fs.existsSync(path.join(dist, m[1]))) return send(200, TYPES[path.extname(m[1])] ?? 'application/octet-stream', fs.readFileSync(path.join(dist, m[1])));
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
