/**
 * The Slurm settings of a submission and their validation. Every value ends up in a batch script that a
 * shell runs on the cluster, so each one is checked against a strict pattern here, before anything is
 * created; a value that fails names the setting, what is wrong and what would be accepted.
 */

export interface SlurmOptions {
  /** Partition (or comma-separated list); empty = the cluster's default partition. */
  partition: string;
  /** Time limit in a Slurm format (`90`, `2:00:00`, `1-12:00:00`); empty = the partition's default. */
  time: string;
  cpusPerTask: number;
  /** Memory per node (`16G`, `4000M`, `0` = all); empty = the cluster's default. */
  memory: string;
  /** GPUs per job (`--gres=gpu:N`); 0 = none requested. */
  gpus: number;
  /** More sbatch options, each `--flag=value` or `--flag`. */
  extraArgs: string[];
  /** Absolute path of a script sourced before the trainer starts (conda activate, exports); empty = none. */
  setupScript: string;
  /** Environment modules loaded before the trainer (`module load NAME`). */
  moduleLoads: string[];
  /** Node.js on the compute nodes: an absolute path, or a command name found on PATH there (after module loads). */
  nodePath: string;
}

export const DEFAULT_SLURM_OPTIONS: SlurmOptions = {
  partition: '',
  time: '01:00:00',
  cpusPerTask: 4,
  memory: '',
  gpus: 0,
  extraArgs: [],
  setupScript: '',
  moduleLoads: [],
  nodePath: 'node',
};

export class SlurmOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `invalid Slurm settings: ${problems[0]}` : `invalid Slurm settings:\n  - ${problems.join('\n  - ')}`);
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)));

// Slurm names: letters, digits, `_`, `.`, `-` (no spaces, quotes or shell characters).
const PARTITION = /^[A-Za-z0-9_.-]{1,64}(,[A-Za-z0-9_.-]{1,64})*$/;
// minutes | minutes:seconds | hours:minutes:seconds | days-hours | days-hours:minutes | days-hours:minutes:seconds
const TIME = /^(\d{1,7}(:\d{1,2}(:\d{1,2})?)?|\d{1,4}-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|UNLIMITED|INFINITE)$/;
const MEMORY = /^\d{1,9}[KMGT]?$/;
// `--flag` or `--flag=value`; values limited to characters that mean nothing to a shell or to sbatch's parser.
const EXTRA_ARG = /^--[a-z][a-z0-9-]{0,40}(=[A-Za-z0-9_.,:=@%+/-]{1,200})?$/;
const MODULE = /^[A-Za-z0-9_][A-Za-z0-9_.+/-]{0,100}$/;
const COMMAND_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,100}$/;

/**
 * Options DCL Explorer sets itself: overriding them would detach the job from its run folders (output
 * files, array indices) or replace the script (`--wrap`).
 */
const RESERVED_ARGS = ['array', 'output', 'error', 'input', 'job-name', 'parsable', 'wrap', 'hold', 'test-only', 'chdir', 'export', 'export-file'];

export const checkPartition = (v: unknown): string | undefined =>
  typeof v === 'string' && (v === '' || PARTITION.test(v)) ? undefined : `partition must be a Slurm partition name (letters, digits, "_", ".", "-"; several separated by ","), or empty for the default; got ${show(v)}`;

export const checkTime = (v: unknown): string | undefined =>
  typeof v === 'string' && (v === '' || TIME.test(v))
    ? undefined
    : `time must be a Slurm time limit like "90" (minutes), "2:00:00", "1-12:00:00" or "UNLIMITED", or empty for the partition's default; got ${show(v)}`;

export const checkCpus = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4096 ? undefined : `cpusPerTask must be a whole number from 1 to 4096; got ${show(v)}`;

export const checkMemory = (v: unknown): string | undefined =>
  typeof v === 'string' && (v === '' || MEMORY.test(v)) ? undefined : `memory must be a Slurm memory size like "16G", "4000M" or "4000" (MB), or empty for the default; got ${show(v)}`;

export const checkGpus = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 64 ? undefined : `gpus must be a whole number from 0 (none) to 64; got ${show(v)}`;

export function checkExtraArg(v: unknown): string | undefined {
  if (typeof v !== 'string' || !EXTRA_ARG.test(v)) {
    return `extraArgs entries must look like "--flag=value" or "--flag" (value characters: letters, digits and _ . , : = @ % + / -); got ${show(v)}`;
  }
  const flag = v.slice(2).split('=')[0];
  if (RESERVED_ARGS.includes(flag)) return `extraArgs may not set --${flag}: DCL Explorer sets it to tie the job to its run folders`;
  return undefined;
}

export const checkExtraArgs = (v: unknown): string | undefined =>
  Array.isArray(v) ? v.map(checkExtraArg).find((p) => p !== undefined) : `extraArgs must be a list of strings like ["--qos=high"]; got ${show(v)}`;

export const checkModule = (v: unknown): string | undefined =>
  typeof v === 'string' && MODULE.test(v) ? undefined : `moduleLoads entries must be module names like "cuda/12.2" or "nodejs" (letters, digits and _ . + / -); got ${show(v)}`;

export const checkModules = (v: unknown): string | undefined =>
  Array.isArray(v) ? v.map(checkModule).find((p) => p !== undefined) : `moduleLoads must be a list of module names like ["nodejs/20"]; got ${show(v)}`;

/** Paths are quoted in the script, so any character is safe except the two that end a line or a C string. */
const plainPath = (v: string): boolean => !/[\n\r\0]/.test(v);

export const checkSetupScript = (v: unknown): string | undefined =>
  typeof v === 'string' && (v === '' || (v.startsWith('/') && plainPath(v)))
    ? undefined
    : `setupScript must be an absolute path (the job runs on another machine, in another folder), or empty for none; got ${show(v)}`;

export const checkNodePath = (v: unknown): string | undefined =>
  typeof v === 'string' && ((v.startsWith('/') && plainPath(v)) || COMMAND_NAME.test(v))
    ? undefined
    : `nodePath must be an absolute path of Node.js 20+ on the compute nodes, or a command name found on their PATH such as "node"; got ${show(v)}`;

const CHECKS: { [K in keyof SlurmOptions]: (v: unknown) => string | undefined } = {
  partition: checkPartition,
  time: checkTime,
  cpusPerTask: checkCpus,
  memory: checkMemory,
  gpus: checkGpus,
  extraArgs: checkExtraArgs,
  setupScript: checkSetupScript,
  moduleLoads: checkModules,
  nodePath: checkNodePath,
};

/** Fills defaults and checks every field; throws SlurmOptionsError listing every problem. */
export function resolveSlurmOptions(input: Partial<SlurmOptions>): SlurmOptions {
  const merged = { ...DEFAULT_SLURM_OPTIONS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  const problems: string[] = [];
  for (const key of Object.keys(merged) as (keyof SlurmOptions)[]) {
    const check = CHECKS[key];
    if (!check) problems.push(`unknown Slurm option "${key}" (known: ${Object.keys(CHECKS).join(', ')})`);
    else {
      const problem = check(merged[key]);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length) throw new SlurmOptionsError(problems);
  return merged;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;

/** Environment variables exported in the script: names checked here, values single-quoted by the writer. */
export function checkEnv(env: Record<string, string>): void {
  const problems = Object.entries(env).flatMap(([k, v]) => [
    ...(ENV_NAME.test(k) ? [] : [`environment variable name ${show(k)} is not a valid shell name (letters, digits, "_")`]),
    ...(typeof v === 'string' && !/[\n\r\0]/.test(v) ? [] : [`environment variable ${k} must be a one-line string`]),
  ]);
  if (problems.length) throw new SlurmOptionsError(problems);
}
