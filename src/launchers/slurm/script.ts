/**
 * The batch script of a submission: `#SBATCH` lines from validated options, then a few shell lines that
 * find this array element's run folder in the run list and exec the trainer on it. Nothing from a run's
 * config (its name, its paths) is written unquoted: paths are single-quoted, the run folder is read at run
 * time from the list file and only ever used inside double quotes, and every other value passed the strict
 * patterns of options.ts.
 */
import { checkEnv, resolveSlurmOptions, type SlurmOptions } from './options';

export interface BatchScriptInput {
  /** Any text; reduced to Slurm-safe characters. */
  jobName: string;
  options: SlurmOptions;
  /** Absolute path of the list of run folders, one per line; array task i uses line i + 1. */
  runListFile: string;
  taskCount: number;
  /** Array elements running at once (`%N`). */
  concurrency: number;
  /** Absolute `--output` / `--error` patterns (`%a` = array task id). */
  outputPattern: string;
  errorPattern: string;
  /** Absolute path of dist/trainer.js as the compute nodes see it. */
  trainerPath: string;
  /** Folder the trainer starts in: relative dataDir values resolve against it. */
  cwd: string;
  /** Variables exported before the trainer starts. */
  env?: Record<string, string>;
  /** What each array task trains (`loss=dcl temperature=0.05 seed=0`), written as comments so the script shows the grid. */
  taskLabels?: readonly string[];
}

export interface BatchScript {
  text: string;
  /** sbatch options that could not go into `#SBATCH` lines (paths with spaces); pass them on the command line. */
  sbatchArgs: string[];
}

/** `'text'` for a POSIX shell: nothing inside single quotes is special except the quote itself. */
export function shellQuote(text: string): string {
  if (/[\0\n\r]/.test(text)) throw new Error(`cannot put ${JSON.stringify(text)} into a batch script: it contains a line break or NUL`);
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A Slurm file-name pattern for a literal path: `%` would start a replacement (`%j`), so it is doubled. */
export const literalPattern = (p: string): string => p.replace(/%/g, '%%');

export const safeJobName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'dcl-explorer';

/** Characters sbatch reads from a `#SBATCH` line as one plain word (it splits on spaces and handles quotes its own way). */
const SBATCH_WORD = /^[A-Za-z0-9_.,:=@%+/-]+$/;

export function writeBatchScript(input: BatchScriptInput): BatchScript {
  // Re-checked here so that no caller can reach the script text with an unchecked value.
  const o = resolveSlurmOptions(input.options);
  checkEnv(input.env ?? {});
  if (!Number.isInteger(input.taskCount) || input.taskCount < 1) throw new Error(`a Slurm array needs at least one task; got ${input.taskCount}`);
  if (input.taskLabels && input.taskLabels.length !== input.taskCount) throw new Error(`${input.taskLabels.length} task labels for ${input.taskCount} tasks`);
  if (!Number.isInteger(input.concurrency) || input.concurrency < 1) throw new Error(`concurrency must be a whole number ≥ 1; got ${input.concurrency}`);
  for (const [what, p] of [['run list', input.runListFile], ['output pattern', input.outputPattern], ['error pattern', input.errorPattern], ['trainer', input.trainerPath], ['working folder', input.cwd]]) {
    if (!p.startsWith('/')) throw new Error(`the ${what} path must be absolute (the job runs elsewhere); got ${JSON.stringify(p)}`);
  }

  const directives: string[] = [`--job-name=${safeJobName(input.jobName)}`];
  if (o.partition) directives.push(`--partition=${o.partition}`);
  if (o.time) directives.push(`--time=${o.time}`);
  directives.push('--ntasks=1', `--cpus-per-task=${o.cpusPerTask}`);
  if (o.memory) directives.push(`--mem=${o.memory}`);
  if (o.gpus > 0) directives.push(`--gres=gpu:${o.gpus}`);
  directives.push(`--array=0-${input.taskCount - 1}%${Math.min(input.concurrency, input.taskCount)}`);
  const sbatchArgs: string[] = [];
  for (const [flag, p] of [['output', input.outputPattern], ['error', input.errorPattern]] as const) {
    const arg = `--${flag}=${p}`;
    if (SBATCH_WORD.test(p)) directives.push(arg);
    else sbatchArgs.push(arg); // argv, not a #SBATCH line: no parser in between.
  }
  directives.push(...o.extraArgs);

  const node = o.nodePath.startsWith('/') ? shellQuote(o.nodePath) : o.nodePath;
  const lines = [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    '# Written by DCL Explorer. One array element per run folder: task i trains the folder on line i+1',
    '# of the run list. The trainer writes status.json and metrics.jsonl there itself.',
    // A comment ends at the line break, so labels lose theirs; nothing here is ever run.
    ...(input.taskLabels ?? []).map((label, i) => `# task ${i}: ${label.replace(/[\r\n\0]/g, ' ')}`),
    'set -eo pipefail',
    `RUN_LIST=${shellQuote(input.runListFile)}`,
    'TASK="${SLURM_ARRAY_TASK_ID:-0}"',
    'RUN_DIR="$(sed -n "$((TASK + 1))p" "$RUN_LIST")"',
    'if [ -z "$RUN_DIR" ] || [ ! -f "$RUN_DIR/config.json" ]; then',
    '  echo "dcl-explorer: array task $TASK has no run folder with a config.json on line $((TASK + 1)) of $RUN_LIST" >&2',
    '  exit 2',
    'fi',
    `cd ${shellQuote(input.cwd)}`,
  ];
  if (o.moduleLoads.length) lines.push(`module load ${o.moduleLoads.join(' ')}`);
  if (o.setupScript) lines.push(`. ${shellQuote(o.setupScript)}`);
  for (const [k, v] of Object.entries(input.env ?? {})) lines.push(`export ${k}=${shellQuote(v)}`);
  // exec: the trainer becomes the job's process, so Slurm's SIGTERM (scancel, time limit) reaches it
  // directly and it checkpoints and records why it stopped.
  lines.push(`exec ${node} ${shellQuote(input.trainerPath)} --run-dir "$RUN_DIR"`);
  return { text: lines.join('\n') + '\n', sbatchArgs };
}
