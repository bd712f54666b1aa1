/** QuickPicks that choose runs when a charts command gets no (or too few) run folders. */
import * as vscode from 'vscode';
import type { ChartRunInfo } from '../../shared/chartsMessages';
import { listRuns } from './runFolders';

interface RunPickItem extends vscode.QuickPickItem {
  runDir: string;
}

function describe(run: ChartRunInfo): RunPickItem {
  const c = run.config;
  const facts = c ? [`loss=${c.loss}`, `batch=${c.batchSize}`, `τ=${c.temperature}`, `${c.encoder}/${c.dataset}`] : ['no readable config.json'];
  return {
    label: c?.name || run.runId,
    description: facts.join('  '),
    detail: `${run.status?.state ?? 'unknown state'} · ${run.runId}`,
    runDir: run.runDir,
  };
}

async function runItems(runsDir: string): Promise<RunPickItem[] | undefined> {
  const runs = await listRuns(runsDir);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`No runs found in ${runsDir}. Start a run first, or set "dclExplorer.runsDirectory".`);
    return undefined;
  }
  return runs.map(describe);
}

export async function pickOneRun(runsDir: string): Promise<string | undefined> {
  const items = await runItems(runsDir);
  if (!items) return undefined;
  const picked = await vscode.window.showQuickPick(items, { title: 'Open charts for a run', matchOnDescription: true, matchOnDetail: true });
  return picked?.runDir;
}

/** Lets the user pick between `min` and `max` runs; `preselected` run folders start ticked. */
export async function pickManyRuns(runsDir: string, min: number, max: number, preselected: readonly string[]): Promise<string[] | undefined> {
  const items = await runItems(runsDir);
  if (!items) return undefined;
  for (const item of items) item.picked = preselected.includes(item.runDir);
  const picked = await vscode.window.showQuickPick(items, {
    title: `Compare runs: pick ${min}–${max}`,
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.length < min || picked.length > max) {
    void vscode.window.showWarningMessage(`Pick between ${min} and ${max} runs to compare (you picked ${picked.length}).`);
    return undefined;
  }
  return picked.map((p) => p.runDir);
}
