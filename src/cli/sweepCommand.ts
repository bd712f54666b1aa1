/**
 * `dcl-explorer sweep`: a grid of runs (losses × batch sizes × any `--grid` config fields × seeds), each in its
 * own trainer process (fresh TensorFlow.js state per run), `--parallel N` at a time, then the results table
 * pivoted on the fields that vary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOSS_KINDS, type LossKind, type RunConfig } from '../shared/protocol';
import { chooseLayout, formatPlainTable, resultFromConfig, resultsRows, resultsTables, type TableLayout } from '../shared/resultsTable';
import { ConfigError, mergeConfig, resolveConfig } from '../shared/runConfig';
import { GRID_FIELDS, GridError, gridDescription, parseGridArgs, planSweep, sweepAxes, sweepField, type PlannedRun } from '../shared/sweepGrid';
import { writeSweepRecord } from '../launchers/sweepRecord';
import { readRunStatus } from '../runFolder/status';
import { watchNpmWrapper } from '../trainer/stopSignal';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { configFromFlags, CONFIG_FLAGS, pruneUndefined, readConfigFile } from './trainFlags';
import { LAUNCHER_FLAGS, launcherKind, pollMs, slurmOptionsFromFlags } from './sweepLauncherFlags';
import type { LaunchedRuns, Launcher } from '../launchers/launcher';
import { LocalLauncher } from '../launchers/local';
import { SlurmError } from '../launchers/slurm/commands';
import { SlurmOptionsError } from '../launchers/slurm/options';
import { SlurmLauncher } from '../launchers/slurm/slurmLauncher';

const SPEC: Record<string, FlagSpec> = {
  losses: { type: 'string', help: 'comma-separated losses (default infonce,dcl,dclw)' },
  'batch-sizes': { type: 'string', help: 'comma-separated batch sizes (default: the config\'s batch size)' },
  seeds: { type: 'string', help: 'comma-separated seeds (default 0)' },
  grid: { type: 'string', repeatable: true, help: 'FIELD=V1,V2,…: also vary a run-config field, e.g. temperature=0.05,0.1 or lr=1e-3,3e-4 (repeatable)' },
  rows: { type: 'string', help: 'table rows: a varied field (default loss)' },
  cols: { type: 'string', help: 'table columns: a varied field (default: the first other field that varies, else batch size)' },
  parallel: { type: 'string', help: 'runs at once (default 1; with --launcher slurm the job array\'s %N limit)' },
  ...LAUNCHER_FLAGS,
  ...Object.fromEntries(Object.entries(CONFIG_FLAGS).filter(([k]) => !['loss', 'batch-size', 'seed'].includes(k))),
  help: { type: 'boolean', help: 'show this help' },
};

export const SWEEP_HELP = formatHelp(
  'Usage: dcl-explorer sweep [--losses infonce,dcl,dclw] [--batch-sizes 32,64,128] [--grid FIELD=V1,V2 …] [--seeds 0,1,2]\n' +
    '                          [--rows FIELD] [--cols FIELD] [--parallel N] [--launcher local|slurm] [run flags]\n\n' +
    'Runs every combination as its own run folder (grouped by a shared sweepId) and prints the kNN (and, where\n' +
    'runs have it, linear) top-1 table, mean ± std over seeds: rows loss and columns batch size unless --grid\n' +
    'varies more; further varying fields give one table per value. --grid fields (flag or config path):\n' +
    `${wrap(GRID_FIELDS.map((f) => (f.flag === f.path ? f.flag : `${f.flag} (${f.path})`)).join(', ') + '.', 110)}\n` +
    'With --launcher slurm the grid is one Slurm job array (the runs folder must be on storage the compute\n' +
    'nodes share): stdout gets "slurm job ID" and the run folders; --wait also waits and prints the table.',
  SPEC,
);

/** Breaks a long line at spaces so the help stays readable in a terminal. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join('\n');
}

function list<T>(flags: ParsedFlags, name: string, parse: (s: string) => T | undefined, what: string): T[] | undefined {
  const raw = flags[name];
  if (typeof raw !== 'string') return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`sweep: --${name} needs at least one ${what}`);
  return items.map((s) => {
    const v = parse(s);
    if (v === undefined) throw new UsageError(`sweep: --${name}: "${s}" is not ${what}`);
    return v;
  });
}

const wholeNumber = (min: number) => (s: string) => (/^\d+$/.test(s) && Number(s) >= min ? Number(s) : undefined);

export async function runSweepCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, SPEC, 'sweep');
  if (flags.help) {
    process.stdout.write(SWEEP_HELP);
    return 0;
  }
  const base = mergeConfig(typeof flags.config === 'string' ? readConfigFile(flags.config) : undefined, pruneUndefined(configFromFlags(flags, 'sweep')));
  const losses = list(flags, 'losses', (s) => (LOSS_KINDS.includes(s as LossKind) ? (s as LossKind) : undefined), `a loss (${LOSS_KINDS.join(', ')})`) ?? [...LOSS_KINDS];
  const batchSizes = list(flags, 'batch-sizes', wholeNumber(2), 'a batch size ≥ 2') ?? [resolveConfigSafe(base).batchSize];
  const seeds = list(flags, 'seeds', wholeNumber(0), 'a whole-number seed') ?? [0];
  const axes = sweepAxes(losses, batchSizes, usage(() => parseGridArgs((flags.grid as string[] | undefined) ?? [])));
  const parallel = numberFlag(flags, 'parallel', 'sweep') ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`sweep: --parallel must be a whole number ≥ 1; got ${parallel}`);
  const kind = launcherKind(flags);
  const slurmOptions = slurmOptionsFromFlags(flags, kind);
  const poll = pollMs(flags);
  const trainer = {
    trainerPath: path.join(__dirname, 'trainer.js'),
    nodePath: typeof flags['node-path'] === 'string' ? flags['node-path'] : process.execPath,
    cwd: process.cwd(),
    // The fault-injection hook of the tests reaches a trainer on another machine only through the script.
    env: process.env.DCL_INJECT_NONFINITE_AT_STEP !== undefined ? { DCL_INJECT_NONFINITE_AT_STEP: process.env.DCL_INJECT_NONFINITE_AT_STEP } : undefined,
  };
  // Built (and for Slurm, every option validated) before any run folder exists.
  let launcher: Launcher;
  try {
    launcher = kind === 'slurm' ? new SlurmLauncher(trainer, slurmOptions) : new LocalLauncher(trainer);
  } catch (e) {
    if (e instanceof SlurmOptionsError) throw new UsageError(`sweep: ${e.message}`);
    throw e;
  }

  const { createRunFolder, newRunId } = await import('../trainer/runFolder');
  const sweepId = `sweep-${newRunId({ loss: losses.join('-') as LossKind, batchSize: batchSizes[0] })}`;
  const plan = usage(() => planSweep(base, axes, seeds, sweepId));
  const gridFields = axes.map((a) => a.field);
  // --rows / --cols are checked against the plan now, not after hours of training.
  const layout = usage(() => chooseLayout(plan.map((p) => resultFromConfig(p.config, gridFields, NaN, NaN)), { rows: str(flags.rows), cols: str(flags.cols) }));
  const { checkRunData } = await import('../trainer/dataPreflight');
  for (const p of plan) {
    try {
      checkRunData(p.config);
    } catch (e) {
      throw new UsageError(`sweep: ${(e as Error).message}`);
    }
  }
  // From before the first run folder exists: a stop (Ctrl+C, SIGTERM, SIGHUP as the terminal closes, a closed
  // stdout/stderr such as `| head -1`) stops the running runs (checkpoint, `stopped`), marks the rest as never
  // started, and ends the sweep with 128 + the signal's number (141 for a closed pipe) rather than a crash.
  let stop: StopRequest | undefined;
  let launched: LaunchedRuns | undefined;
  const unwatch = watchStopRequests((request) => {
    if (stop) return;
    stop = request;
    if (kind === 'slurm') {
      if (!launched) return; // still submitting: the submission finishes or is undone, then the sweep ends
      say(`\nsweep: ${request.why}: no longer waiting; the Slurm jobs keep running (cancel them with "scancel ${readRunStatus(launched.runDirs[0])?.slurm?.jobId ?? ''}")\n`);
      process.exit(request.code);
    }
    say(`\nsweep: ${request.why}: stopping the running runs (they checkpoint and end as "stopped"); runs not yet started will not start\n`);
    if (launched) void launched.cancel(undefined, notStartedReason(request));
  });
  try {
    return await runGrid();
  } finally {
    unwatch();
  }

  async function runGrid(): Promise<number> {
    const dirs = plan.map((p) => createRunFolder(p.config));
    const recordFile = writeSweepRecord(path.dirname(dirs[0]), { sweepId, axes, seeds });
    const grid = `${plan.length} runs (${axes.map((a) => `${sweepField(a.field).flag} ${a.values.join(', ')}`).join(' × ')} × seed ${seeds.join(', ')})`;
    try {
      launched = await launcher.launch(dirs, { concurrency: parallel, name: sweepId, runLabels: plan.map(runLabel) });
    } catch (e) {
      fs.rmSync(recordFile, { force: true });
      if (e instanceof SlurmError) throw new Error(`sweep: the submission failed and nothing was kept: ${e.message}`);
      throw e;
    }
    say(`sweep ${sweepId}: ${grid}, ${launched.description}\n`);

    if (kind === 'slurm') {
      const jobId = readRunStatus(dirs[0])?.slurm?.jobId ?? '?';
      process.stdout.write(`slurm job ${jobId}\n${dirs.join('\n')}\n`);
      if (stop || !flags.wait) {
        say(`sweep: submitted; watch it with "squeue -j ${jobId}" or the DCL Explorer Runs view, cancel with "scancel ${jobId}"\n`);
        return stop ? stop.code : 0;
      }
    } else if (stop) {
      // Asked to stop while the runs were being made: none trains.
      void launched.cancel(undefined, notStartedReason(stop));
    }

    let done = 0;
    await launched.wait({
      pollMs: poll,
      onProblem: (m) => say(`sweep: ${m} (retrying)\n`),
      onEnd: (end) => {
        done++;
        const i = dirs.indexOf(end.runDir);
        const status = end.status;
        const acc = status?.final?.knnAccuracy;
        const what = status?.state === 'finished' && acc !== undefined ? `finished, kNN ${(acc * 100).toFixed(2)}%` : `${status?.state ?? 'unknown'}${status?.error ? `: ${status.error}` : end.detail ? ` (${end.detail})` : ''}`;
        say(`[${done}/${plan.length}] ${plan[i]?.label ?? end.runDir}: ${what}\n`);
      },
    });

    process.stdout.write(sweepTablesText(plan, dirs, gridFields, layout));
    process.stdout.write(`runs: ${path.dirname(dirs[0])} (sweepId ${sweepId})\n`);
    const states = dirs.map((d) => readRunStatus(d)?.state);
    const failed = states.filter((s) => s === 'failed').length;
    if (failed) say(`sweep: ${failed} of ${plan.length} runs failed; see their log.txt${kind === 'slurm' ? ' and slurm.err' : ''}\n`);
    if (stop) {
      const count = (state: string) => states.filter((s) => s === state).length;
      say(
        `sweep: stopped (${stop.why}): ${count('finished')} finished, ${count('stopped')} stopped (those that had trained keep their checkpoint; ` +
          `resume one with "dcl-explorer train --resume DIR"), ${failed} failed\n`,
      );
      return stop.code;
    }
    return failed ? 1 : 0;
  }
}

/** What stopped the sweep, and its exit code. */
interface StopRequest {
  why: string;
  code: number;
}

const notStartedReason = (stop: StopRequest): string => `the sweep was stopped (${stop.why}) before this run started`;

/** 128 + the signal's number, as a shell reports a process the signal ended. */
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
/** A closed output pipe: what SIGPIPE's 128 + 13 would have been. */
const PIPE_CLOSED_EXIT = 141;

/** One line on stderr, never a crash: once stderr is closed the writes fail quietly (muteOutputErrors). */
function say(text: string): void {
  process.stderr.write(text);
}

let outputErrorsMuted = false;
/** A write to a closed stdout/stderr (`| head`, a closed terminal: EPIPE, EIO) is not an uncaught error here. */
function muteOutputErrors(): void {
  if (outputErrorsMuted) return;
  outputErrorsMuted = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

/**
 * Calls `onStop` for SIGINT, SIGTERM, SIGHUP, a stdout/stderr that can no longer be written and the end of an npx /
 * npm wrapper (which passes SIGTERM only to its shell; counted as SIGTERM); returns the removal.
 */
function watchStopRequests(onStop: (request: StopRequest) => void): () => void {
  muteOutputErrors();
  const removals: (() => void)[] = [watchNpmWrapper((why) => onStop({ why, code: SIGNAL_EXIT.SIGTERM }))];
  for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
    const handler = () => onStop({ why: signal, code: SIGNAL_EXIT[signal] });
    process.on(signal, handler);
    removals.push(() => process.off(signal, handler));
  }
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    const handler = (e: NodeJS.ErrnoException) => onStop({ why: `${name} closed (${e.code ?? e.message})`, code: PIPE_CLOSED_EXIT });
    stream.on('error', handler);
    removals.push(() => stream.off('error', handler));
  }
  return () => removals.forEach((remove) => remove());
}

/** The finished runs' kNN and linear top-1 as plain-text tables (unfinished runs are missing cells). */
function sweepTablesText(plan: PlannedRun[], dirs: string[], gridFields: string[], layout: TableLayout): string {
  const results = plan.map((p, i) => {
    const s = readRunStatus(dirs[i]);
    const finished = s?.state === 'finished';
    return resultFromConfig(p.config, gridFields, finished ? (s.final?.knnAccuracy ?? NaN) : NaN, finished ? (s.final?.linearAccuracy ?? NaN) : NaN);
  });
  return resultsTables(results, layout).map((t) => formatPlainTable(resultsRows(t))).join('\n');
}

/** `loss=dcl batch-size=64 temperature=0.05 seed=0`: what a run trains, for the Slurm script's task list. */
const runLabel = (p: PlannedRun): string => `${gridDescription(p.point)} seed=${p.config.seed}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Grid and layout problems are usage errors: exit 2, one line, nothing created. */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GridError) throw new UsageError(`sweep: ${e.message}`);
    throw e;
  }
}

function resolveConfigSafe(base: ReturnType<typeof mergeConfig>): RunConfig {
  try {
    return resolveConfig(base);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`sweep: ${e.message}`);
    throw e;
  }
}
