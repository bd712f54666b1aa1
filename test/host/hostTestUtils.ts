/** Shared helpers of the host tests: temporary run folders, the fake trainer, waiting for conditions. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import type { RunConfig } from '../../src/shared/protocol';

export const fakeTrainerPath = (): string => path.join(repoRoot(), 'test', 'host', 'fixtures', 'fakeTrainer.js');

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dcl-host-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function tinyConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return { ...DEFAULT_RUN_CONFIG, dataset: 'synthetic', encoder: 'mlp', epochs: 1, batchSize: 16, ...overrides };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { readJson } from '../helpers/json';
