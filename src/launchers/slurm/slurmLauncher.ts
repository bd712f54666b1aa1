/**
 * The Slurm launcher: a whole sweep is one job array. Next to the run folders it writes
 * `.slurm/<name>/` with the batch script, the run list (line i = run folder of array task i) and
 * `tasks/<i>` links to the run folders, through which Slurm writes each task's stdout/stderr into its
 * run folder. The job is submitted held, its id recorded in every status.json, then released: so a
 * trainer never starts before its status.json names its job. A failed submission deletes everything it
 * created and quotes Slurm's message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LaunchedRuns, Launcher, LaunchOptions, RunEnd, TrainerInvocation } from '../launcher';
import { readRunStatus, TERMINAL, writeRunStatus } from '../runStatusFile';
import { releaseJob, sbatch, scancel, SlurmError, spawnSlurm, type SlurmRunner } from './commands';
import { SLURM_FILES, submissionDir } from './files';
import { resolveSlurmOptions, type SlurmOptions } from './options';
import { reconcileSlurmRuns, type SlurmRunReport } from './reconcile';
import { literalPattern, safeJobName, writeBatchScript } from './script';

export const SUBMISSION_FILES = { script: 'job.sbatch', runList: 'runs.txt', tasks: 'tasks', record: 'submission.json' } as const;

export class SlurmLauncher implements Launcher {
  readonly kind = 'slurm' as const;
  readonly options: SlurmOptions;

  /** Throws SlurmOptionsError for a bad option: call before creating run folders. */
  constructor(
    private readonly trainer: TrainerInvocation,
    options: Partial<SlurmOptions>,
    private readonly run: SlurmRunner = spawnSlurm,
  ) {
    this.options = resolveSlurmOptions({ ...options, nodePath: options.nodePath ?? trainer.nodePath });
  }

  async launch(runDirs: readonly string[], options: LaunchOptions): Promise<LaunchedRuns> {
    const dirs = runDirs.map((d) => path.resolve(d));
    const roots = new Set(dirs.map((d) => path.dirname(d)));
    if (dirs.length === 0) throw new Error('a Slurm submission needs at least one run folder');
    if (roots.size !== 1) throw new Error(`the run folders of one Slurm submission must share one runs folder; got ${[...roots].join(', ')}`);
    const subDir = submissionDir([...roots][0], safeJobName(options.name));
    let submitted: string | undefined;
    try {
      if (fs.existsSync(subDir)) throw new Error(`${subDir} already exists: a submission named "${options.name}" was made before; use a new name`);
      const script = this.writeFiles(subDir, dirs, options);
      submitted = await sbatch(this.run, path.join(subDir, SUBMISSION_FILES.script), script.sbatchArgs, true);
      dirs.forEach((dir, i) => {
        const status = readRunStatus(dir);
        if (!status) throw new Error(`${dir}/status.json is missing or unreadable`);
        writeRunStatus(dir, { ...status, launcher: 'slurm', slurm: { jobId: submitted as string, arrayTaskId: i } });
      });
      fs.writeFileSync(path.join(subDir, SUBMISSION_FILES.record), JSON.stringify({ jobId: submitted, runDirs: dirs, submittedAt: new Date().toISOString() }, null, 2) + '\n');
      await releaseJob(this.run, submitted);
    } catch (e) {
      if (submitted) await scancel(this.run, [submitted]).catch(() => undefined);
      // Nothing half-created: the run folders and the submission folder go (the job, if any, is cancelled).
      for (const dir of [...dirs, subDir]) fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const n = dirs.length;
    return new SlurmRuns(this.run, dirs, `Slurm job ${submitted} (array 0-${n - 1}%${Math.min(options.concurrency, n)}); script ${path.join(subDir, SUBMISSION_FILES.script)}`);
  }

  private writeFiles(subDir: string, dirs: string[], options: LaunchOptions) {
    fs.mkdirSync(path.join(subDir, SUBMISSION_FILES.tasks), { recursive: true });
    for (const d of dirs) if (/[\n\r]/.test(d)) throw new Error(`run folder ${JSON.stringify(d)} contains a line break; choose another runs folder`);
    fs.writeFileSync(path.join(subDir, SUBMISSION_FILES.runList), dirs.join('\n') + '\n');
    dirs.forEach((d, i) => fs.symlinkSync(d, path.join(subDir, SUBMISSION_FILES.tasks, String(i)), 'dir'));
    const taskPattern = `${literalPattern(path.join(subDir, SUBMISSION_FILES.tasks))}/%a`;
    const script = writeBatchScript({
      jobName: options.name,
      options: this.options,
      runListFile: path.join(subDir, SUBMISSION_FILES.runList),
      taskCount: dirs.length,
      concurrency: options.concurrency,
      outputPattern: `${taskPattern}/${SLURM_FILES.out}`,
      errorPattern: `${taskPattern}/${SLURM_FILES.err}`,
      trainerPath: path.resolve(this.trainer.trainerPath),
      cwd: path.resolve(this.trainer.cwd),
      env: this.trainer.env,
      taskLabels: options.runLabels,
    });
    fs.writeFileSync(path.join(subDir, SUBMISSION_FILES.script), script.text, { mode: 0o755 });
    return script;
  }
}

/** Slurm runs known by their folders (status.json names the job): from a launch, or found later. */
export class SlurmRuns implements LaunchedRuns {
  readonly kind = 'slurm' as const;

  constructor(
    private readonly run: SlurmRunner,
    readonly runDirs: readonly string[],
    readonly description = 'Slurm runs',
  ) {}

  /** One reconciliation pass: the scheduler's view of every run, with final states written. */
  check(): Promise<SlurmRunReport[]> {
    return reconcileSlurmRuns([...this.runDirs], this.run);
  }

  async wait(options: { pollMs?: number; onEnd?: (end: RunEnd) => void; onProblem?: (message: string) => void } = {}): Promise<RunEnd[]> {
    const ended = new Map<string, RunEnd>();
    let lastProblem = '';
    for (;;) {
      const reports = await this.check();
      for (const r of reports) {
        if (r.problem && r.problem !== lastProblem) options.onProblem?.((lastProblem = r.problem));
        if (!r.settled || ended.has(r.runDir)) continue;
        const end: RunEnd = { runDir: r.runDir, status: r.status, detail: r.job ? `Slurm ${r.job.state}${r.job.reason ? ` (${r.job.reason})` : ''}` : undefined };
        ended.set(r.runDir, end);
        options.onEnd?.(end);
      }
      if (ended.size === this.runDirs.length) return this.runDirs.map((d) => ended.get(d) as RunEnd);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5000));
    }
  }

  /**
   * scancel for every given run still queued or running. A marker file in each run folder tells the
   * reconciler that this cancel was the user's (`stopped`), not the scheduler's (`failed`).
   */
  async cancel(runDirs: readonly string[] = this.runDirs): Promise<void> {
    const ids: string[] = [];
    for (const dir of runDirs) {
      const status = readRunStatus(dir);
      if (!status || status.launcher !== 'slurm' || !status.slurm?.jobId || TERMINAL.includes(status.state)) continue;
      fs.writeFileSync(path.join(dir, SLURM_FILES.cancelMarker), new Date().toISOString() + '\n');
      ids.push(status.slurm.arrayTaskId !== undefined ? `${status.slurm.jobId}_${status.slurm.arrayTaskId}` : status.slurm.jobId);
    }
    if (ids.length === 0) throw new SlurmError('none of these runs is a queued or running Slurm job');
    await scancel(this.run, ids);
  }
}
