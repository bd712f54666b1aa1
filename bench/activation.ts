/**
 * Extension activation cost: require(dist/extension.js) + activate() against the test suite's fake `vscode`
 * module, in a fresh process each time (cold module cache), median over several processes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeVscode, installFakeVscode } from '../test/host/fakeVscode';

export const ACTIVATION_PROBE_FLAG = '--probe-activation';

/** Runs inside the child: measures one cold activation and prints it as JSON. */
export function probeActivation(extensionJs: string): void {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'dcl-bench-ws-'));
  const fake = new FakeVscode(workspace);
  installFakeVscode(fake);
  const before = new Set(Object.keys(require.cache));
  const t0 = performance.now();
  // The built bundle, loaded the way VS Code loads it (a CommonJS require of dist/extension.js).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(extensionJs) as { activate(ctx: unknown): unknown; deactivate(): Promise<void> };
  const t1 = performance.now();
  ext.activate(fake.context(path.dirname(path.dirname(extensionJs))));
  const t2 = performance.now();
  // Only what activation itself pulled in (this probe runs inside the bench bundle, which has tfjs loaded).
  const loaded = Object.keys(require.cache).filter((m) => !before.has(m) && m.includes('@tensorflow'));
  process.stdout.write(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, tfjsModulesLoaded: loaded.length }) + '\n');
  // The host's watchers and polling timers would keep this probe alive; it has measured what it came for.
  void ext.deactivate().finally(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
    process.exit(0);
  });
}

export function benchActivation(benchJs: string, extensionJs: string, runs = 5): Record<string, number> {
  const samples: { requireMs: number; activateMs: number; tfjsModulesLoaded: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [benchJs, ACTIVATION_PROBE_FLAG, extensionJs], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`activation probe failed: ${r.stderr.trim().split('\n').at(-1)}`);
    samples.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as (typeof samples)[number]);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    'require(dist/extension.js) ms (median)': median(samples.map((s) => s.requireMs)),
    'activate() ms (median)': median(samples.map((s) => s.activateMs)),
    'bundle size KiB': fs.statSync(extensionJs).size / 1024,
    'TensorFlow.js modules loaded by the host': Math.max(...samples.map((s) => s.tfjsModulesLoaded)),
  };
}
