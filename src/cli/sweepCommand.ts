/**
 * `dcl-explorer sweep`: a grid of runs (losses × batch sizes × seeds), each in its own trainer child process
 * (fresh TensorFlow.js state per run), `--parallel N` at a time, then the paper-shaped results table.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOSS_KINDS, RUN_FILES, type LossKind, type RunConfig, type RunStatus } from '../shared/protocol';
import { buildResultsTable, formatPlainTable, resultsRows, type RunResult } from '../shared/resultsTable';
import { ConfigError, mergeConfig, resolveConfig } from '../shared/runConfig';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { configFromFlags, CONFIG_FLAGS, pruneUndefined, readConfigFile } from './trainFlags';

const SPEC: Record<string, FlagSpec> = {
  losses: { type: 'string', help: 'comma-separated losses (default infonce,dcl,dclw)' },
  'batch-sizes': { type: 'string', help: 'comma-separated batch sizes (default: the config\'s batch size)' },
  seeds: { type: 'string', help: 'comma-separated seeds (default 0)' },
  parallel: { type: 'string', help: 'runs at once (default 1)' },
  ...Object.fromEntries(Object.entries(CONFIG_FLAGS).filter(([k]) => !['loss', 'batch-size', 'seed'].includes(k))),
  help: { type: 'boolean', help: 'show this help' },
};

export const SWEEP_HELP = formatHelp(
  'Usage: dcl-explorer sweep [--losses infonce,dcl,dclw] [--batch-sizes 32,64,128] [--seeds 0,1,2] [--parallel N] [run flags]\n\n' +
    'Runs every combination as its own run folder (grouped by a shared sweepId) and prints the kNN accuracy\n' +
    'table: one row per loss, one column per batch size, mean ± std over seeds.',
  SPEC,
);

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

export interface SweepPlanItem {
  config: RunConfig;
  label: string;
}

/** Every run of the grid, validated before anything is created. */
export function planSweep(base: ReturnType<typeof mergeConfig>, losses: LossKind[], batchSizes: number[], seeds: number[], sweepId: string): SweepPlanItem[] {
  const items: SweepPlanItem[] = [];
  for (const loss of losses) {
    for (const batchSize of batchSizes) {
      for (const seed of seeds) {
        const label = `${loss} b${batchSize} seed ${seed}`;
        try {
          const config = resolveConfig(mergeConfig(base, { loss, batchSize, seed, sweepId, name: `${base.name ? `${base.name}: ` : ''}${label}` }));
          items.push({ config, label });
        } catch (e) {
          if (e instanceof ConfigError) throw new UsageError(`sweep: ${label}: ${e.message}`);
          throw e;
        }
      }
    }
  }
  return items;
}

function readStatus(dir: string): RunStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.status), 'utf8')) as RunStatus;
  } catch {
    return undefined;
  }
}

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
  const parallel = numberFlag(flags, 'parallel', 'sweep') ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`sweep: --parallel must be a whole number ≥ 1; got ${parallel}`);

  const { createRunFolder, newRunId } = await import('../trainer/runFolder');
  const sweepId = `sweep-${newRunId({ loss: losses.join('-') as LossKind, batchSize: batchSizes[0] })}`;
  const plan = planSweep(base, losses, batchSizes, seeds, sweepId);
  const dirs = plan.map((p) => createRunFolder(p.config));
  process.stderr.write(`sweep ${sweepId}: ${plan.length} runs (${losses.join(', ')} × batch ${batchSizes.join(', ')} × seed ${seeds.join(', ')}), ${parallel} at a time\n`);

  const trainer = path.join(__dirname, 'trainer.js');
  let stopping = false;
  const running = new Set<import('node:child_process').ChildProcess>();
  const onSignal = () => {
    stopping = true;
    process.stderr.write('\nsweep: stopping the running runs (they checkpoint and end as "stopped"); queued runs will not start\n');
    for (const c of running) c.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (!stopping && next < plan.length) {
      const i = next++;
      const dir = dirs[i];
      const child = spawn(process.execPath, [trainer, '--run-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
      running.add(child);
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      running.delete(child);
      done++;
      const status = readStatus(dir);
      const acc = status?.final?.knnAccuracy;
      const what = status?.state === 'finished' && acc !== undefined ? `finished, kNN ${(acc * 100).toFixed(2)}%` : `${status?.state ?? 'unknown'}${status?.error ? `: ${status.error}` : code ? ` (exit ${code}) ${stderr.trim().split('\n').at(-1) ?? ''}` : ''}`;
      process.stderr.write(`[${done}/${plan.length}] ${plan[i].label}: ${what}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, plan.length) }, worker));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const results: RunResult[] = plan.map((p, i) => {
    const s = readStatus(dirs[i]);
    return { loss: p.config.loss, batchSize: p.config.batchSize, seed: p.config.seed, accuracy: s?.state === 'finished' ? (s.final?.knnAccuracy ?? NaN) : NaN };
  });
  for (let i = 0; i < plan.length; i++) {
    const s = readStatus(dirs[i]);
    if (s?.state === 'queued') {
      fs.writeFileSync(path.join(dirs[i], RUN_FILES.status), JSON.stringify({ ...s, state: 'stopped', endedAt: new Date().toISOString(), error: 'the sweep was stopped before this run started' }, null, 2));
    }
  }
  process.stdout.write(formatPlainTable(resultsRows(buildResultsTable(results))));
  process.stdout.write(`runs: ${path.dirname(dirs[0])} (sweepId ${sweepId})\n`);
  const failed = plan.filter((_, i) => readStatus(dirs[i])?.state === 'failed').length;
  if (failed) process.stderr.write(`sweep: ${failed} of ${plan.length} runs failed; see their log.txt\n`);
  return failed ? 1 : 0;
}

function resolveConfigSafe(base: ReturnType<typeof mergeConfig>): RunConfig {
  try {
    return resolveConfig(base);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`sweep: ${e.message}`);
    throw e;
  }
}
