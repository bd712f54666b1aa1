/** `dcl-explorer sweep` flags that choose and configure the launcher (local child processes or Slurm). */
import type { FlagSpec, ParsedFlags } from './args';
import { UsageError } from './args';
import { LAUNCHER_KINDS, type LauncherKind } from '../launchers/launcher';
import type { SlurmOptions } from '../launchers/slurm/options';

export const LAUNCHER_FLAGS: Record<string, FlagSpec> = {
  launcher: { type: 'string', help: 'local (child processes here, the default) | slurm (one job array via sbatch)' },
  wait: { type: 'boolean', help: 'slurm: wait until every job ends, then print the table (default: return after submitting)' },
  'poll-seconds': { type: 'string', help: 'slurm --wait: seconds between scheduler checks (default 10)' },
  partition: { type: 'string', help: 'slurm: partition (default: the cluster\'s default)' },
  time: { type: 'string', help: 'slurm: time limit per run, e.g. 2:00:00 or 1-00:00:00 (default 01:00:00)' },
  'cpus-per-task': { type: 'string', help: 'slurm: CPUs per run (default 4)' },
  memory: { type: 'string', help: 'slurm: memory per run, e.g. 16G (default: the cluster\'s default)' },
  gpus: { type: 'string', help: 'slurm: GPUs per run, requested as --gres=gpu:N (default 0)' },
  'sbatch-args': { type: 'string', help: 'slurm: more sbatch options separated by spaces, each --flag=value' },
  'module-loads': { type: 'string', help: 'slurm: comma-separated environment modules loaded before the trainer' },
  'setup-script': { type: 'string', help: 'slurm: absolute path of a script sourced before the trainer' },
  'node-path': { type: 'string', help: 'Node.js 20+ that runs the trainer (default: the one running this command)' },
};

export function launcherKind(flags: ParsedFlags): LauncherKind {
  const v = flags.launcher ?? 'local';
  if (!LAUNCHER_KINDS.includes(v as LauncherKind)) throw new UsageError(`sweep: --launcher must be one of ${LAUNCHER_KINDS.join(', ')}; got "${String(v)}"`);
  return v as LauncherKind;
}

const SLURM_ONLY = ['wait', 'poll-seconds', 'partition', 'time', 'cpus-per-task', 'memory', 'gpus', 'sbatch-args', 'module-loads', 'setup-script'];

function wholeNumberFlag(flags: ParsedFlags, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`sweep: --${name} must be a whole number; got "${String(v)}"`);
  return Number(v);
}

/** The Slurm options the flags set (validated later by the launcher, which names the bad value). */
export function slurmOptionsFromFlags(flags: ParsedFlags, kind: LauncherKind): Partial<SlurmOptions> {
  if (kind !== 'slurm') {
    const misplaced = SLURM_ONLY.filter((f) => flags[f] !== undefined);
    if (misplaced.length) throw new UsageError(`sweep: ${misplaced.map((f) => `--${f}`).join(', ')} only apply with --launcher slurm`);
    return {};
  }
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name]) : undefined);
  const list = (name: string, sep: RegExp) => str(name)?.split(sep).map((s) => s.trim()).filter(Boolean);
  return {
    partition: str('partition'),
    time: str('time'),
    cpusPerTask: wholeNumberFlag(flags, 'cpus-per-task'),
    memory: str('memory'),
    gpus: wholeNumberFlag(flags, 'gpus'),
    extraArgs: list('sbatch-args', /\s+/),
    moduleLoads: list('module-loads', /,/),
    setupScript: str('setup-script'),
  };
}

export function pollMs(flags: ParsedFlags): number {
  const s = flags['poll-seconds'];
  if (s === undefined) return 10_000;
  const n = Number(s);
  if (typeof s !== 'string' || !Number.isFinite(n) || n <= 0) throw new UsageError(`sweep: --poll-seconds must be a number > 0; got "${String(s)}"`);
  return n * 1000;
}
