/**
 * Keeps the Slurm runs of the run list in step with the scheduler: while any listed run is a queued or
 * running Slurm job, asks Slurm (squeue/scontrol/sacct through the launcher's reconciler) every
 * `intervalMs`, which writes the final status of jobs that ended (killed, cancelled, crashed) into their
 * status.json; the run store then picks the change up like any other. The latest scheduler view of each
 * run (pending reason, problems reaching the controller) is kept for display.
 */
import { spawnSlurm, type SlurmRunner } from '../../launchers/slurm/commands';
import { reconcileSlurmRuns, type SlurmRunReport } from '../../launchers/slurm/reconcile';
import type { RunSnapshot, RunStore } from './runStore';

export const isLiveSlurmRun = (r: RunSnapshot): boolean => r.status?.launcher === 'slurm' && (r.state === 'queued' || r.state === 'running');

export class SlurmWatch {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private disposed = false;
  private readonly reports = new Map<string, SlurmRunReport>();
  /** The last problem reaching Slurm (undefined once it answers again). */
  problem: string | undefined;

  constructor(
    private readonly store: Pick<RunStore, 'list' | 'refresh'>,
    private readonly run: SlurmRunner = spawnSlurm,
    private readonly intervalMs = 10_000,
  ) {
    this.schedule();
  }

  /** What the scheduler said about a run at the last check. */
  report(runDir: string): SlurmRunReport | undefined {
    return this.reports.get(runDir);
  }

  /** One check now (also what the timer runs); resolves with the reports of the live Slurm runs. */
  async check(): Promise<SlurmRunReport[]> {
    const live = this.store.list().filter(isLiveSlurmRun).map((r) => r.runDir);
    if (!live.length || this.busy) return [];
    this.busy = true;
    try {
      const reports = await reconcileSlurmRuns(live, this.run);
      for (const r of reports) this.reports.set(r.runDir, r);
      this.problem = reports.find((r) => r.problem)?.problem;
      if (reports.some((r) => r.settled)) await this.store.refresh();
      return reports;
    } finally {
      this.busy = false;
    }
  }

  private schedule(): void {
    if (this.disposed) return;
    this.timer = setTimeout(() => {
      void this.check()
        .catch((e: unknown) => (this.problem = e instanceof Error ? e.message : String(e)))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
