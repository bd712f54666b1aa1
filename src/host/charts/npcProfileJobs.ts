/**
 * The charts panel's side of the "NPC vs batch size" tab: sends a run's cached profiles, and runs
 * `dcl-explorer npc-profile` as a child process on request, one job per run, with a cancellable progress
 * notification. Jobs belong to the panel, not to its webview: a hidden (destroyed) webview gets the job's
 * state and the new profile again when it comes back and says `ready`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToChartsMessage, NpcProfileJobState } from '../../shared/chartsMessages';
import { CancelledError } from '../projection/cliJob';
import type { FeatureHost } from '../vscode/featureHost';
import { readCachedProfiles, startNpcProfileJob, type NpcProfileJob } from './npcProfileFiles';

interface RunningJob {
  job: NpcProfileJob;
  state: Extract<NpcProfileJobState, { state: 'running' }>;
}

export class NpcProfileJobs {
  private readonly running = new Map<number, RunningJob>();

  constructor(
    private readonly host: FeatureHost,
    private readonly runDirs: readonly string[],
    private readonly post: (m: HostToChartsMessage) => void,
  ) {}

  /** Everything a freshly loaded webview needs: each run's cached profiles and any job still running. */
  async sendAll(): Promise<void> {
    await Promise.all(this.runDirs.map((_, run) => this.sendCached(run)));
    for (const [run, r] of this.running) this.post({ type: 'npcProfileJob', run, job: r.state });
  }

  private async sendCached(run: number, select?: string): Promise<void> {
    const { profiles, problems } = await readCachedProfiles(this.runDirs[run]);
    this.post({ type: 'npcProfiles', run, profiles, problems, select });
  }

  start(run: number, initial: boolean): void {
    const runDir = this.runDirs[run];
    if (runDir === undefined || this.running.has(run)) return;
    const { nodePath, cliPath } = this.host.cliRuntime();
    const model = initial ? 'initial model' : 'latest checkpoint';
    let report: ((fraction: number, stage: string) => void) | undefined;
    const entry: RunningJob = {
      state: { state: 'running', initial, progress: null, stage: 'starting' },
      job: startNpcProfileJob({
        nodePath,
        cliPath,
        runDir,
        initial,
        onProgress: (progress, stage) => {
          entry.state = { ...entry.state, progress, stage };
          this.post({ type: 'npcProfileJob', run, job: entry.state });
          report?.(progress, stage);
        },
      }),
    };
    this.running.set(run, entry);
    this.post({ type: 'npcProfileJob', run, job: entry.state });
    const title = `NPC vs batch size: ${path.basename(runDir)} (${model})`;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => entry.job.cancel());
      let shown = 0;
      report = (fraction, stage) => {
        const pct = Math.round(fraction * 100);
        progress.report({ message: `${stage} ${pct}%`, increment: Math.max(0, pct - shown) });
        shown = Math.max(shown, pct);
      };
      return entry.job.done.catch(() => undefined);
    });
    void this.finish(run, entry, model);
  }

  private async finish(run: number, entry: RunningJob, model: string): Promise<void> {
    let job: NpcProfileJobState;
    let select: string | undefined;
    try {
      select = (await entry.job.done).file;
      job = { state: 'done' };
    } catch (e) {
      if (e instanceof CancelledError) job = { state: 'cancelled' };
      else {
        const message = (e as Error).message;
        job = { state: 'failed', message };
        void vscode.window.showErrorMessage(`NPC vs batch size for the ${model} of ${path.basename(this.runDirs[run])} failed: ${message}`);
      }
    } finally {
      if (this.running.get(run) === entry) this.running.delete(run);
    }
    this.post({ type: 'npcProfileJob', run, job });
    if (select) await this.sendCached(run, select);
  }

  cancel(run: number): void {
    this.running.get(run)?.job.cancel();
  }

  /** The panel closed: nobody will look at the result (a killed job leaves no half-written file). */
  dispose(): void {
    for (const r of this.running.values()) r.job.cancel();
    this.running.clear();
  }
}
