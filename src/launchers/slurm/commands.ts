/**
 * The Slurm client commands DCL Explorer uses (sbatch, scontrol, squeue, sacct, scancel), each spawned
 * with an argv array (never through a shell), with a timeout, and their output parsed into plain data.
 * A failure quotes Slurm's own message and says what to check.
 */
import { spawn } from 'node:child_process';

export class SlurmError extends Error {}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Slurm client; rejects with a SlurmError when it cannot be started at all. */
export type SlurmRunner = (command: string, args: string[], options?: { timeoutMs?: number }) => Promise<CommandResult>;

const INSTALL_HINT = 'install the Slurm client tools (Debian/Ubuntu: slurm-client) or run this from a machine where sbatch works, such as the cluster\'s login node';

export const spawnSlurm: SlurmRunner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SlurmError(e.code === 'ENOENT' ? `"${command}" was not found on PATH: ${INSTALL_HINT}` : `cannot run ${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && code === null) {
        reject(new SlurmError(`${command} did not answer within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s: is the Slurm controller reachable? ${stderr.trim()}`.trim()));
      } else resolve({ code, stdout, stderr });
    });
  });

/** The last meaningful line(s) Slurm wrote, for quoting in an error. */
export function slurmMessage(r: CommandResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').map((l) => l.trim()).filter(Boolean);
  return text.length ? text.slice(-3).join(' / ') : `exit code ${r.code} without a message`;
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchParsable(stdout: string): string {
  const line = stdout.trim().split('\n').pop() ?? '';
  const id = line.split(';')[0].trim();
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed no job id (expected a number, got ${JSON.stringify(stdout.trim())})`);
  return id;
}

/** Submits `scriptPath` (held when `hold`); resolves with the job id. */
export async function sbatch(run: SlurmRunner, scriptPath: string, extraArgs: string[], hold: boolean): Promise<string> {
  const args = ['--parsable', ...(hold ? ['--hold'] : []), ...extraArgs, scriptPath];
  const r = await run('sbatch', args);
  if (r.code !== 0) throw new SlurmError(`Slurm rejected the job: ${slurmMessage(r)}`);
  return parseSbatchParsable(r.stdout);
}

export async function releaseJob(run: SlurmRunner, jobId: string): Promise<void> {
  const r = await run('scontrol', ['release', jobId]);
  if (r.code !== 0) throw new SlurmError(`scontrol release ${jobId} failed: ${slurmMessage(r)}`);
}

/** Cancels a job, an array (`42`) or one element (`42_3`). An already finished job is not an error. */
export async function scancel(run: SlurmRunner, jobIds: string[]): Promise<void> {
  if (!jobIds.length) return;
  const r = await run('scancel', jobIds);
  if (r.code !== 0 && !/already completing or completed|Invalid job id/i.test(r.stderr)) {
    throw new SlurmError(`scancel ${jobIds.join(' ')} failed: ${slurmMessage(r)}`);
  }
}

/** One job, or one element of a job array, as the scheduler reports it. */
export interface SlurmJobInfo {
  /** The array's job id (or the job's own id). */
  jobId: string;
  arrayTaskId?: number;
  /** Slurm state without flags, e.g. PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT. */
  state: string;
  /** Slurm's reason (`Resources`, `Priority`, `NonZeroExitCode`, `TimeLimit`…); undefined for `None`. */
  reason?: string;
  /** The batch script's exit code and the signal that ended it, when known. */
  exitCode?: number;
  exitSignal?: number;
}

/** `3` or `1-4` or `1,3-4%2` (a pending array's not yet split elements). */
export function expandTaskIds(text: string): number[] {
  const body = text.split('%')[0];
  const ids: number[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    const step = m[3] !== undefined ? Math.max(1, Number(m[3])) : 1;
    for (let i = from; i <= to && ids.length < 100_000; i += step) ids.push(i);
  }
  return ids;
}

const cleanReason = (r: string | undefined): string | undefined => (r && r !== 'None' && r !== '(null)' ? r : undefined);
/** `CANCELLED by 0` → CANCELLED; `COMPLETING` stays (the job is still ending). */
const cleanState = (s: string): string => s.trim().split(/\s+/)[0].toUpperCase();

function parseExit(text: string | undefined): { exitCode?: number; exitSignal?: number } {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? { exitCode: Number(m[1]), exitSignal: Number(m[2]) } : {};
}

/** `scontrol -o show job ID`: one line of `Key=Value` pairs per job (per array element). */
export function parseScontrolJobs(stdout: string): SlurmJobInfo[] {
  const jobs: SlurmJobInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const fields = new Map<string, string>();
    // Values have no spaces except a few free-text fields at the end (Command, WorkDir), which are not read.
    for (const m of line.matchAll(/(?:^|\s)([A-Za-z/:]+)=(\S*)/g)) if (!fields.has(m[1])) fields.set(m[1], m[2]);
    const state = fields.get('JobState');
    if (!state) continue;
    const arrayJob = fields.get('ArrayJobId');
    const tasks = fields.get('ArrayTaskId');
    const base = { jobId: arrayJob ?? fields.get('JobId') ?? '', state: cleanState(state), reason: cleanReason(fields.get('Reason')), ...parseExit(fields.get('ExitCode')) };
    if (arrayJob && tasks) for (const t of expandTaskIds(tasks)) jobs.push({ ...base, arrayTaskId: t });
    else jobs.push(base);
  }
  return jobs;
}

/** `squeue -h -r -t all -o '%i|%T|%r'`: `42_3|RUNNING|None` or `17|PENDING|Priority`. */
export function parseSqueue(stdout: string): SlurmJobInfo[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [id, state, reason] = line.split('|');
      const m = /^(\d+)(?:_(\d+|\[[^\]]*\]))?$/.exec(id ?? '');
      if (!m || !state) return [];
      const base = { jobId: m[1], state: cleanState(state), reason: cleanReason(reason?.trim()) };
      if (m[2] === undefined) return [base];
      return expandTaskIds(m[2].replace(/[[\]]/g, '')).map((t) => ({ ...base, arrayTaskId: t }));
    });
}

/** `sacct -n -P -X -o JobID,State,ExitCode,Reason`: `42_3|CANCELLED by 0|0:15|None`. */
export function parseSacct(stdout: string): SlurmJobInfo[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [id, state, exit, reason] = line.split('|');
      const m = /^(\d+)(?:_(\d+))?$/.exec(id ?? '');
      if (!m || !state) return [];
      return [{ jobId: m[1], arrayTaskId: m[2] !== undefined ? Number(m[2]) : undefined, state: cleanState(state), reason: cleanReason(reason?.trim()), ...parseExit(exit) }];
    });
}

const UNKNOWN_JOB = /Invalid job id specified/i;
const NO_ACCOUNTING = /accounting storage is disabled|slurmdbd|Connection refused/i;

/**
 * What the scheduler knows about a job (every array element): scontrol while the controller remembers
 * it, then sacct where accounting is enabled, then squeue. An empty list means nobody remembers it; a
 * SlurmError means the controller could not be asked.
 */
export async function queryJob(run: SlurmRunner, jobId: string): Promise<SlurmJobInfo[]> {
  const sc = await run('scontrol', ['-o', 'show', 'job', jobId]);
  if (sc.code === 0) {
    const jobs = parseScontrolJobs(sc.stdout);
    if (jobs.length) return jobs;
  } else if (!UNKNOWN_JOB.test(sc.stderr)) {
    throw new SlurmError(`cannot ask the Slurm controller about job ${jobId}: ${slurmMessage(sc)}`);
  }
  // The controller forgot the job (MinJobAge passed): accounting still knows how it ended, if enabled.
  try {
    const sa = await run('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode,Reason']);
    if (sa.code === 0) {
      const jobs = parseSacct(sa.stdout);
      if (jobs.length) return jobs;
    } else if (!NO_ACCOUNTING.test(sa.stderr + sa.stdout)) {
      throw new SlurmError(`sacct -j ${jobId} failed: ${slurmMessage(sa)}`);
    }
  } catch (e) {
    if (!(e instanceof SlurmError) || !/not found on PATH/.test(e.message)) throw e;
  }
  const sq = await run('squeue', ['-h', '-r', '-t', 'all', '-j', jobId, '-o', '%i|%T|%r']);
  return sq.code === 0 ? parseSqueue(sq.stdout) : [];
}
