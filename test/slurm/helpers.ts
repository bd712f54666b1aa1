/** Shared pieces of the Slurm scenario tests: tiny run folders, the CLI, waiting for a status. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';
import { tempDir } from '../helpers/runs';
import { parseEventLines } from '../../src/shared/eventLog';
import type { RunEvent, RunStatus } from '../../src/shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';

export const BIN = path.join(repoRoot(), 'bin', 'dcl-explorer.js');
export const TRAINER = path.join(repoRoot(), 'dist', 'trainer.js');

/** The sweep flags of the tiny grid element. */
export const TINY_FLAGS = ['--batch-sizes', '16', '--dataset', 'synthetic', '--subset', '64', '--test-subset', '32', '--encoder', 'mlp', '--projection', '16,8', '--epochs', '1', '--backend', 'cpu'];

/** A run folder with a tiny config and a `queued` status, as the CLI or the host would create it. */
export function makeRunFolder(root: string, name: string, overrides: Record<string, unknown> = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const config = { ...DEFAULT_RUN_CONFIG, dataset: 'synthetic', subset: 64, testSubset: 32, encoder: 'mlp', projection: [16, 8], batchSize: 16, epochs: 1, backend: 'cpu', runsDir: root, ...overrides };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ schemaVersion: 1, state: 'queued', createdAt: new Date().toISOString() } satisfies RunStatus));
  return dir;
}

export const newRunsRoot = (): string => tempDir('dcl-slurm-runs-');

export function status(dir: string): RunStatus {
  return JSON.parse(fs.readFileSync(path.join(dir, 'status.json'), 'utf8')) as RunStatus;
}

export function events(dir: string): RunEvent[] {
  const file = path.join(dir, 'metrics.jsonl');
  return fs.existsSync(file) ? parseEventLines(fs.readFileSync(file, 'utf8')).events : [];
}

export function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: timeoutMs });
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Run folders of a runs root (dot folders such as .slurm are not runs). */
export const runFolders = (root: string): string[] => fs.readdirSync(root).filter((n) => !n.startsWith('.'));
