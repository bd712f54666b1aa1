/** Helpers for tests that create real run folders with tiny synthetic configs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunConfig, RunEvent, RunStatus } from '../../src/shared/protocol';
import { resolveConfig, type RunConfigInput } from '../../src/shared/runConfig';

export function tempDir(prefix = 'dcl-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A run small enough for CI: synthetic 28×28 digits-like images, mlp encoder, wasm backend (with the fast kernels; the pure-JS cpu backend is ~10× slower). */
export function tinyConfig(overrides: RunConfigInput = {}): RunConfig {
  return resolveConfig({
    loss: 'dcl',
    dataset: 'synthetic',
    subset: 128,
    testSubset: 64,
    encoder: 'mlp',
    projection: [32, 16],
    batchSize: 32,
    epochs: 2,
    backend: 'wasm',
    logEvery: 1,
    knn: { k: 20 },
    runsDir: tempDir('dcl-runs-'),
    ...overrides,
  });
}

/** Creates a run folder holding config.json, as the host or the CLI does before launching the trainer. */
export function makeRunDir(config: RunConfig): string {
  const dir = path.join(config.runsDir, `run-${Math.random().toString(16).slice(2, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

export function readEvents(runDir: string): RunEvent[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return parseEventLines(fs.readFileSync(file, 'utf8')).events;
}

export function readStatus(runDir: string): RunStatus {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'status.json'), 'utf8')) as RunStatus;
}

export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
