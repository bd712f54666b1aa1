/**
 * Follows one run folder for a charts panel: the whole metrics history once, then only appended events
 * (batched at most every 100 ms), plus status.json changes. fs.watch gives low latency where it works; a
 * polling interval covers where it does not (network drives, some containers, files replaced by rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeriesBatch } from '../../shared/chartsMessages';
import { RUN_FILES, type RunStatus } from '../../shared/protocol';
import { batchIsEmpty, concatBatches } from './encodeEvents';
import { MetricsReader } from './metricsReader';
import { ThrottledBatcher, type Timers } from './throttledBatcher';

export type FeedUpdate =
  | { kind: 'history'; batch: SeriesBatch }
  | { kind: 'append'; batch: SeriesBatch }
  | { kind: 'status'; status: RunStatus }
  | { kind: 'error'; message: string };

export interface RunFeedOptions {
  pollMs?: number;
  batchMs?: number;
  /** Set false to rely on polling only (tests, or file systems where watching misbehaves). */
  useWatch?: boolean;
  timers?: Timers;
}

export class RunFeed {
  private readonly reader: MetricsReader;
  private readonly batcher: ThrottledBatcher<SeriesBatch>;
  private watcher: fs.FSWatcher | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private reading = false;
  private readAgain = false;
  private lastStatusText: string | undefined;
  private lastError: string | undefined;
  private disposed = false;

  constructor(
    readonly runDir: string,
    private readonly onUpdate: (update: FeedUpdate) => void,
    private readonly options: RunFeedOptions = {},
  ) {
    this.reader = new MetricsReader(path.join(runDir, RUN_FILES.metrics));
    this.batcher = new ThrottledBatcher<SeriesBatch>(
      (batches) => this.emit({ kind: 'append', batch: concatBatches(batches) }),
      options.batchMs ?? 100,
      options.timers,
    );
  }

  /** Sends the status and the whole history, then starts following the folder. */
  async start(): Promise<void> {
    await this.readStatus();
    try {
      const first = await this.reader.readNew();
      this.emit({ kind: 'history', batch: first.batch });
    } catch (e) {
      this.reportError(`cannot read ${this.reader.file}: ${(e as Error).message}`);
    }
    if (this.disposed) return;
    if (this.options.useWatch !== false) this.startWatching();
    this.pollTimer = setInterval(() => this.refresh(), this.options.pollMs ?? 1000);
  }

  /** Reads whatever changed; safe to call at any rate (overlapping calls collapse into one more read). */
  refresh(): void {
    if (this.disposed) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readLoop();
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.batcher.dispose();
  }

  private async readLoop(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        await this.readStatus();
        await this.readMetrics();
      } while (this.readAgain && !this.disposed);
    } finally {
      this.reading = false;
    }
  }

  private async readMetrics(): Promise<void> {
    try {
      const read = await this.reader.readNew();
      if (this.disposed) return;
      if (read.reset) {
        // Appends queued before the rewrite belong to the old history: drop them.
        this.batcher.clear();
        this.emit({ kind: 'history', batch: read.batch });
      } else if (!batchIsEmpty(read.batch)) {
        this.batcher.push(read.batch);
      }
      this.lastError = undefined;
    } catch (e) {
      this.reportError(`cannot read ${this.reader.file}: ${(e as Error).message}`);
    }
  }

  private async readStatus(): Promise<void> {
    let text: string;
    try {
      text = await fs.promises.readFile(path.join(this.runDir, RUN_FILES.status), 'utf8');
    } catch {
      return; // a queued run may not have one yet; the trainer writes it atomically, so no torn reads
    }
    if (text === this.lastStatusText || this.disposed) return;
    try {
      const status = JSON.parse(text) as RunStatus;
      this.lastStatusText = text;
      if (typeof status === 'object' && status !== null && typeof status.state === 'string') this.emit({ kind: 'status', status });
    } catch {
      // A hand-edited or half-copied file: keep the last good status and try again on the next change.
    }
  }

  private startWatching(): void {
    try {
      // Watch the folder, not the files: status.json is replaced by rename, and metrics.jsonl may not exist yet.
      this.watcher = fs.watch(this.runDir, { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        if (!name || name === RUN_FILES.metrics || name === RUN_FILES.status) this.refresh();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined; // polling carries on alone
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private reportError(message: string): void {
    if (message === this.lastError) return;
    this.lastError = message;
    this.emit({ kind: 'error', message });
  }

  private emit(update: FeedUpdate): void {
    if (!this.disposed) this.onUpdate(update);
  }
}
