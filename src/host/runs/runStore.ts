/**
 * The list of runs, rebuilt from the run folders on disk so that it survives a window reload and shows
 * runs written by the headless CLI, another window or another machine. `refresh()` rescans cheaply: a
 * file is re-read only when its size or modification time changed, and metrics.jsonl is read from where
 * the previous read stopped. The VS Code adapter calls `refresh()` from a file watcher and a poll timer.
 */
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILES, type RunConfig, type RunState, type RunStatus } from '../../shared/protocol';
import { Emitter } from '../util/emitter';
import { MetricsTail, type MetricsSummary } from './metricsTail';
import { ProcessProbe } from './processProbe';
import { asRunStatus, isTerminal, readJsonFile } from './runFiles';

export interface RunProgress {
  step: number;
  totalSteps: number;
  /** step / totalSteps, clamped to [0, 1]. */
  fraction: number;
}

/** Everything the run list, the status bar and the commands need to know about one run. */
export interface RunSnapshot {
  /** Absolute path of the run folder: the identity of a run everywhere in the host. */
  runDir: string;
  /** The folder name. */
  runId: string;
  config?: RunConfig;
  /** Why config.json could not be used (the run is still listed). */
  configProblem?: string;
  status?: RunStatus;
  statusProblem?: string;
  /** The state to show: status.json's, except a run whose trainer is gone shows as `interrupted`. */
  state: RunState;
  /** Why `state` differs from status.json's state. */
  stateNote?: string;
  /** ISO time the run was created (status.json, else the folder's time). */
  createdAt: string;
  /** Started by this window's run manager. */
  owned: boolean;
  metrics: MetricsSummary;
  progress?: RunProgress;
}

export interface RunStoreChange {
  changed: RunSnapshot[];
  removed: string[];
}

export interface RunStoreOptions {
  roots: string[];
  /** Whether this window launched (or queued) the run; such runs are never shown as interrupted. */
  isOwned?: (runDir: string) => boolean;
  probe?: ProcessProbe;
  now?: () => number;
  /** A `queued` run nobody here owns, older than this, was left behind by a closed window. */
  staleQueuedMs?: number;
}

interface Entry {
  runDir: string;
  configKey?: string;
  statusKey?: string;
  config?: RunConfig;
  configProblem?: string;
  status?: RunStatus;
  statusMtimeMs: number;
  statusProblem?: string;
  folderTime: string;
  tail: MetricsTail;
  snapshot?: RunSnapshot;
  signature?: string;
}

const statKey = (st: { size: number; mtimeMs: number }): string => `${st.size}:${st.mtimeMs}`;

async function statOrUndefined(file: string): Promise<{ size: number; mtimeMs: number; birthtime: Date } | undefined> {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

function asRunConfig(value: unknown): RunConfig | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'config.json is not a JSON object';
  const c = value as Partial<RunConfig>;
  if (typeof c.loss !== 'string') return 'config.json has no "loss"';
  return c as RunConfig;
}

export class RunStore {
  private roots: string[];
  private readonly entries = new Map<string, Entry>();
  private readonly isOwned: (runDir: string) => boolean;
  private readonly probe: ProcessProbe;
  private readonly now: () => number;
  private readonly staleQueuedMs: number;
  private readonly changeEmitter = new Emitter<RunStoreChange>();
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private scannedOnce = false;
  /** Problems reading a runs folder (other than it not existing yet), for the view's message. */
  rootProblems: string[] = [];

  readonly onDidChange = this.changeEmitter.event;

  constructor(options: RunStoreOptions) {
    this.roots = [...new Set(options.roots.map((r) => path.resolve(r)))];
    this.isOwned = options.isOwned ?? (() => false);
    this.probe = options.probe ?? new ProcessProbe();
    this.now = options.now ?? Date.now;
    this.staleQueuedMs = options.staleQueuedMs ?? 2 * 60_000;
  }

  get runRoots(): readonly string[] {
    return this.roots;
  }

  /** Replaces the folders scanned for runs (e.g. the runsDirectory setting changed); rescans. */
  setRoots(roots: string[]): Promise<void> {
    this.roots = [...new Set(roots.map((r) => path.resolve(r)))];
    return this.refresh();
  }

  /** True once the first scan has completed (the tree shows a progress indicator until then). */
  get loaded(): boolean {
    return this.scannedOnce;
  }

  /** All runs, newest first. */
  list(): RunSnapshot[] {
    return [...this.entries.values()]
      .flatMap((e) => (e.snapshot ? [e.snapshot] : []))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.runId.localeCompare(a.runId));
  }

  get(runDir: string): RunSnapshot | undefined {
    return this.entries.get(path.resolve(runDir))?.snapshot;
  }

  /**
   * Rescans every root. Calls made while a scan is waiting to start share it; a call made while a scan
   * runs queues exactly one more, so no change is missed and bursts of watcher events cost one scan.
   */
  refresh(): Promise<void> {
    if (this.pending) return this.pending;
    const next = this.chain.then(() => {
      this.pending = undefined;
      return this.scan();
    });
    this.pending = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  /** Sub-folders of every root; which of them are runs is decided by `update` (it stats their files). */
  private async listCandidateDirs(): Promise<string[]> {
    const dirs: string[] = [];
    const problems: string[] = [];
    for (const root of this.roots) {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(root, { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') problems.push(`cannot read the runs folder ${root}: ${(e as Error).message}`);
        continue;
      }
      for (const entry of entries) {
        // Symlinks count too (runs linked in from elsewhere); a link to a file fails the check in update.
        if (!entry.name.startsWith('.') && (entry.isDirectory() || entry.isSymbolicLink())) dirs.push(path.join(root, entry.name));
      }
    }
    this.rootProblems = problems;
    return dirs;
  }

  private async scan(): Promise<void> {
    const dirs = await this.listCandidateDirs();
    const runs = new Set<string>();
    const changed: RunSnapshot[] = [];
    const removed: string[] = [];
    // New snapshots are published together when the scan ends, so list() and get() never show a half-done
    // scan: what they return is what the last change event announced.
    const scanned: [Entry, RunSnapshot][] = [];
    for (const runDir of dirs) {
      let entry = this.entries.get(runDir);
      if (!entry) {
        const st = await statOrUndefined(runDir);
        entry = {
          runDir,
          statusMtimeMs: 0,
          folderTime: (st ? st.birthtime : new Date(this.now())).toISOString(),
          tail: new MetricsTail(path.join(runDir, RUN_FILES.metrics)),
        };
      }
      const snapshot = await this.update(entry);
      // A folder with neither config.json nor status.json is not a run (or one still being created).
      if (!snapshot) continue;
      runs.add(runDir);
      scanned.push([entry, snapshot]);
      const signature = JSON.stringify([snapshot.state, snapshot.stateNote, entry.configKey, entry.statusKey, snapshot.metrics.eventCount, snapshot.metrics.badLines.length, snapshot.owned]);
      if (signature !== entry.signature) {
        entry.signature = signature;
        changed.push(snapshot);
      }
    }
    for (const [entry, snapshot] of scanned) {
      entry.snapshot = snapshot;
      this.entries.set(entry.runDir, entry);
    }
    for (const runDir of [...this.entries.keys()]) {
      if (!runs.has(runDir)) {
        this.entries.delete(runDir);
        removed.push(runDir);
      }
    }
    this.scannedOnce = true;
    if (changed.length || removed.length) this.changeEmitter.fire({ changed, removed });
  }

  /** Brings an entry up to date with its files; undefined when the folder is not a run. */
  private async update(entry: Entry): Promise<RunSnapshot | undefined> {
    const { runDir } = entry;
    const configFile = path.join(runDir, RUN_FILES.config);
    const statusFile = path.join(runDir, RUN_FILES.status);
    const [cfgStat, statusStat] = await Promise.all([statOrUndefined(configFile), statOrUndefined(statusFile)]);
    if (!cfgStat && !statusStat) return undefined;

    const configKey = cfgStat ? statKey(cfgStat) : 'none';
    if (configKey !== entry.configKey) {
      entry.configKey = configKey;
      const read = await readJsonFile(configFile);
      const config = read.ok ? asRunConfig(read.value) : read.problem;
      entry.config = typeof config === 'string' ? undefined : config;
      entry.configProblem = typeof config === 'string' ? config : undefined;
    }

    const statusKey = statusStat ? statKey(statusStat) : 'none';
    const statusChanged = statusKey !== entry.statusKey;
    if (statusChanged) {
      entry.statusKey = statusKey;
      entry.statusMtimeMs = statusStat?.mtimeMs ?? 0;
      const read = await readJsonFile(statusFile);
      const status = read.ok ? asRunStatus(read.value) : read.problem;
      if (typeof status !== 'string') {
        entry.status = status;
        entry.statusProblem = undefined;
      } else if (!read.ok && !read.missing && entry.status) {
        // Most likely a torn write by a trainer that does not write atomically: keep the last good one.
      } else {
        entry.status = undefined;
        entry.statusProblem = status;
      }
    }

    // A finished run's metrics do not grow; only read them while the run may still write.
    if (statusChanged || !isTerminal(entry.status?.state) || entry.snapshot === undefined) await entry.tail.read();

    const owned = this.isOwned(runDir);
    const { state, note } = await this.effectiveState(entry, owned);
    const metrics = entry.tail.summary;
    const step = Math.max(entry.status?.step ?? 0, metrics.step ?? 0);
    const totalSteps = entry.status?.totalSteps ?? metrics.totalSteps;
    const snapshot: RunSnapshot = {
      runDir,
      runId: path.basename(runDir),
      config: entry.config ?? metrics.config,
      configProblem: entry.config ? undefined : entry.configProblem,
      status: entry.status,
      statusProblem: entry.statusProblem,
      state,
      stateNote: note,
      createdAt: entry.status?.createdAt ?? entry.folderTime,
      owned,
      metrics,
      progress: totalSteps && totalSteps > 0 ? { step, totalSteps, fraction: Math.min(1, Math.max(0, step / totalSteps)) } : undefined,
    };
    return snapshot;
  }

  private async effectiveState(entry: Entry, owned: boolean): Promise<{ state: RunState; note?: string }> {
    const status = entry.status;
    if (!status) {
      const age = this.now() - Date.parse(entry.folderTime);
      if (owned || age < this.staleQueuedMs) return { state: 'queued', note: owned ? undefined : 'status.json has not been written yet' };
      return { state: 'interrupted', note: entry.statusProblem ?? 'the run has no status.json' };
    }
    if (owned) return { state: status.state };
    // A Slurm run's trainer lives on a compute node (its pid means nothing here) and its job may wait in
    // the queue for hours: trust status.json, which the Slurm watcher completes when the job ends.
    if (status.launcher === 'slurm') return { state: status.state };
    if (status.state === 'running') {
      if (status.pid === undefined) return { state: 'interrupted', note: 'status.json says running but names no trainer process' };
      if (await this.probe.isRunProcess(status.pid, entry.statusMtimeMs)) return { state: 'running' };
      return { state: 'interrupted', note: `its trainer (process ${status.pid}) is gone: it was killed, the editor closed, or the machine restarted` };
    }
    if (status.state === 'queued' && this.now() - Date.parse(status.createdAt) > this.staleQueuedMs) {
      return { state: 'interrupted', note: 'it was waiting in the queue of a window that has closed; Rerun starts it again' };
    }
    return { state: status.state };
  }
}
