/**
 * Sweeps: "Start sweep…" (losses × batch sizes × other config fields × seeds on this machine or as one Slurm
 * job array) and "Compare sweep" (the charts comparison of its runs plus the results table pivoted on the
 * fields its record says vary).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SlurmError } from '../../../launchers/slurm/commands';
import { SlurmOptionsError, type SlurmOptions } from '../../../launchers/slurm/options';
import { SlurmLauncher } from '../../../launchers/slurm/slurmLauncher';
import { writeSweepRecord } from '../../../launchers/sweepRecord';
import type { RunConfig } from '../../../shared/protocol';
import { gridDescription, sweepAxes, type PlannedRun } from '../../../shared/sweepGrid';
import type { HostSettings } from '../../config/hostSettings';
import { planSweepRuns, runStartSweepFlow, type SweepChoice } from '../../flow/startSweepFlow';
import { createRunFolder, runIdBase } from '../../runs/runFiles';
import { groupSweeps, sweepLabel, sweepSummary, type SweepGroup } from '../../runs/sweepGrouping';
import { sweepMarkdownTable } from '../../runs/sweepTable';
import type { DclHost } from '../dclHost';
import { QuickInputPrompter } from '../quickInputPrompter';
import { SETTINGS_SECTION, workspaceBase } from '../settings';

const LAST_SWEEP_KEY = 'dclExplorer.lastSweep';

export function slurmOptionsFromSettings(s: HostSettings): Partial<SlurmOptions> {
  return {
    partition: s.slurmPartition,
    time: s.slurmTime,
    cpusPerTask: s.slurmCpusPerTask,
    memory: s.slurmMemory,
    gpus: s.slurmGpus,
    extraArgs: s.slurmExtraArgs,
    setupScript: s.slurmSetupScript,
    moduleLoads: s.slurmModuleLoads,
  };
}

const newSweepId = (choice: SweepChoice): string =>
  `sweep-${runIdBase({ loss: choice.losses.join('-') as RunConfig['loss'], batchSize: choice.batchSizes[0] }, new Date())}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;

/** Resolves with the run folders of the new sweep, or undefined when nothing started. */
async function startSweep(host: DclHost): Promise<string[] | undefined> {
  if (!host.requireTrust('start runs')) return undefined;
  const root = host.runsRoot();
  if (!root) {
    void vscode.window.showErrorMessage(`Cannot start a sweep: the runs folder "${host.settings.runsDirectory}" is relative and no folder is open. Open a folder, or set "dclExplorer.runsDirectory" to an absolute path.`);
    return undefined;
  }
  const last = host.context.workspaceState.get<Partial<SweepChoice>>(LAST_SWEEP_KEY);
  const defaults = { ...host.lastRunDefaults(), name: undefined, sweepId: undefined };
  const choice = await runStartSweepFlow(new QuickInputPrompter(), { title: 'Start DCL sweep', defaults, last });
  if (!choice) return undefined;
  await host.context.workspaceState.update(LAST_SWEEP_KEY, choice);
  const sweepId = newSweepId(choice);
  let plan: PlannedRun[];
  let recordFile: string;
  try {
    plan = planSweepRuns(defaults, choice, sweepId);
    // The record keeps the grid, so "Compare sweep" knows which fields vary (as the CLI's sweeps do).
    recordFile = writeSweepRecord(root, { sweepId, axes: sweepAxes(choice.losses, choice.batchSizes, choice.grid), seeds: choice.seeds });
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot start the sweep: ${(e as Error).message}`);
    return undefined;
  }
  const configs = plan.map((p) => p.config);
  const dirs = choice.launcher === 'slurm' ? await submitToSlurm(host, root, plan, choice, sweepId) : await startLocally(host, root, configs);
  if (!dirs) fs.rmSync(recordFile, { force: true });
  await host.store.refresh();
  return dirs;
}

async function startLocally(host: DclHost, root: string, configs: RunConfig[]): Promise<string[] | undefined> {
  const dirs: string[] = [];
  try {
    for (const config of configs) dirs.push(await host.manager.start(config, root));
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot start the sweep: ${(e as Error).message}${dirs.length ? ` (${dirs.length} of ${configs.length} runs were queued)` : ''}`);
    return dirs.length ? dirs : undefined;
  }
  void vscode.window.showInformationMessage(`DCL sweep started: ${configs.length} runs, ${host.settings.maxConcurrentRuns} at a time (dclExplorer.maxConcurrentRuns).`);
  return dirs;
}

async function submitToSlurm(host: DclHost, root: string, plan: PlannedRun[], choice: SweepChoice, sweepId: string): Promise<string[] | undefined> {
  const configs = plan.map((p) => p.config);
  let launcher: SlurmLauncher;
  try {
    // Every Slurm setting is checked before a single run folder exists.
    launcher = new SlurmLauncher(
      { trainerPath: host.context.asAbsolutePath(path.join('dist', 'trainer.js')), nodePath: host.settings.nodePath || 'node', cwd: workspaceBase() ?? root },
      slurmOptionsFromSettings(host.settings),
    );
  } catch (e) {
    if (!(e instanceof SlurmOptionsError)) throw e;
    void vscode.window.showErrorMessage(`Cannot submit the sweep: ${e.message}`, 'Open Settings').then((c) => {
      if (c) void vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS_SECTION}.slurm`);
    });
    return undefined;
  }
  try {
    const dirs: string[] = [];
    for (const config of configs) dirs.push(await createRunFolder(root, config));
    const launched = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Submitting ${configs.length} runs to Slurm…` }, () =>
      launcher.launch(dirs, { concurrency: choice.concurrency, name: sweepId, runLabels: plan.map((p) => `${gridDescription(p.point)} seed=${p.config.seed}`) }),
    );
    void vscode.window.showInformationMessage(`DCL sweep submitted: ${launched.description}.`);
    void host.slurmWatch.check().catch(() => undefined);
    return dirs;
  } catch (e) {
    const why = e instanceof SlurmError ? e.message : `${(e as Error).message}`;
    void vscode.window.showErrorMessage(`Cannot submit the sweep to Slurm (nothing was kept): ${why}`);
    return undefined;
  }
}

/** The sweep named by the argument (a sweep item, its id), else the one the user picks. */
async function pickSweep(host: DclHost, arg: unknown): Promise<SweepGroup | undefined> {
  const { sweeps } = groupSweeps(host.store.list());
  const id = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null && typeof (arg as { sweepId?: unknown }).sweepId === 'string' ? (arg as { sweepId: string }).sweepId : undefined;
  if (id) return sweeps.find((s) => s.sweepId === id);
  if (!sweeps.length) {
    void vscode.window.showInformationMessage('There are no DCL sweeps yet. Start one with "DCL: Start sweep…".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    sweeps.map((s) => ({ label: sweepLabel(s), description: sweepSummary(s), sweep: s })),
    { placeHolder: 'Sweep to compare' },
  );
  return picked?.sweep;
}

async function compareSweep(host: DclHost, arg: unknown): Promise<string | undefined> {
  const group = await pickSweep(host, arg);
  if (!group) return undefined;
  const table = sweepMarkdownTable(group);
  vscode.commands.executeCommand('dclExplorer.compareRuns', group.runs.map((r) => r.runDir)).then(undefined, (e: unknown) => {
    void vscode.window.showWarningMessage(`Cannot open the charts comparison: ${e instanceof Error ? e.message : String(e)}`);
  });
  const choice = await vscode.window.showInformationMessage(`${sweepLabel(group)} — ${sweepSummary(group)}`, 'Open table', 'Copy as Markdown');
  if (choice === 'Copy as Markdown') await vscode.env.clipboard.writeText(table);
  if (choice === 'Open table') {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# ${sweepLabel(group)}\n\n${sweepSummary(group)}\n\n${table}` });
    await vscode.window.showTextDocument(doc);
  }
  return table;
}

export function registerSweepCommands(host: DclHost): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('dclExplorer.startSweep', () => startSweep(host)),
    vscode.commands.registerCommand('dclExplorer.compareSweep', (arg: unknown) => compareSweep(host, arg)),
  ];
}
