/**
 * Finding run folders and reading what a chart needs to name them (config.json, status.json). Any folder
 * with a config.json counts as a run, so runs created by the CLI show up next to those the extension started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChartRunInfo } from '../../shared/chartsMessages';
import { RUN_FILES, type RunConfig, type RunStatus } from '../../shared/protocol';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

function asConfig(x: unknown): RunConfig | null {
  return typeof x === 'object' && x !== null && typeof (x as RunConfig).loss === 'string' ? (x as RunConfig) : null;
}

function asStatus(x: unknown): RunStatus | null {
  return typeof x === 'object' && x !== null && typeof (x as RunStatus).state === 'string' ? (x as RunStatus) : null;
}

export async function readRunInfo(runDir: string): Promise<ChartRunInfo> {
  const [config, status] = await Promise.all([
    readJson(path.join(runDir, RUN_FILES.config)),
    readJson(path.join(runDir, RUN_FILES.status)),
  ]);
  return { runDir, runId: path.basename(runDir), config: asConfig(config), status: asStatus(status) };
}

export async function isRunFolder(dir: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(path.join(dir, RUN_FILES.config))).isFile();
  } catch {
    return false;
  }
}

/** Runs under `runsDir`, newest first (by creation time in status.json, else the folder name). */
export async function listRuns(runsDir: string): Promise<ChartRunInfo[]> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const dirs = names.map((n) => path.join(runsDir, n));
  const flags = await Promise.all(dirs.map(isRunFolder));
  const runs = await Promise.all(dirs.filter((_, i) => flags[i]).map(readRunInfo));
  const sortKey = (r: ChartRunInfo) => r.status?.createdAt ?? r.runId;
  return runs.sort((a, b) => sortKey(b).localeCompare(sortKey(a)));
}
