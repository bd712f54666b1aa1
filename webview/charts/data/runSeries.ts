/**
 * Everything the webview knows about one run's events, as growable typed-array columns. Appending a batch
 * copies it into spare capacity (doubling when full), so a live 100 000-step run costs amortised O(batch)
 * per message instead of re-allocating the whole history every 100 ms.
 */
import { NPC_SUMMARY_COLUMNS, type KnnColumns, type LifecycleEvent, type NpcColumns, type SeriesBatch, type StepColumns } from '../../../src/shared/chartsMessages';
import type { LinearEvent, ResumedEvent, StartedEvent } from '../../../src/shared/protocol';

type Column = Float64Array | Float32Array;

/** How many values one row of each column holds (1 for plain columns) and its element type. */
type Layout<T> = { [K in keyof T]: { width: number; float32?: boolean } };

const STEP_LAYOUT: Layout<StepColumns> = {
  step: { width: 1 }, epoch: { width: 1 }, time: { width: 1 }, loss: { width: 1 }, lr: { width: 1 }, imagesPerSecond: { width: 1 },
};
const NPC_LAYOUT: Layout<NpcColumns> = { step: { width: 1 }, epoch: { width: 1 }, time: { width: 1 }, ...NPC_SUMMARY_COLUMNS };
const KNN_LAYOUT: Layout<KnnColumns> = {
  step: { width: 1 }, epoch: { width: 1 }, time: { width: 1 }, accuracy: { width: 1 }, k: { width: 1 },
};

class GrowableColumns<T extends { step: Float64Array }> {
  private buffers = new Map<keyof T, Column>();
  private rows = 0;
  private capacity = 0;

  constructor(private readonly layout: Layout<T>) {
    this.allocate(0);
  }

  /** Bytes held, spare capacity included. */
  get byteLength(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.byteLength;
    return n;
  }

  /** The rows so far. The views share memory with the store and stay valid until the next growth. */
  view(): T {
    const out = {} as Record<keyof T, Column>;
    for (const [key, buf] of this.buffers) out[key] = buf.subarray(0, this.rows * this.layout[key].width);
    return out as unknown as T;
  }

  append(cols: T): void {
    const added = cols.step.length;
    if (added === 0) return;
    const needed = this.rows + added;
    if (needed > this.capacity) this.allocate(Math.max(needed, this.capacity * 2, 256));
    for (const [key, buf] of this.buffers) {
      const width = this.layout[key].width;
      const col = cols[key] as unknown as Column;
      // A batch from an older writer may lack a column or have short rows: copy what fits, leave the rest.
      if (col) buf.set(col.subarray(0, added * width), this.rows * width);
    }
    this.rows = needed;
  }

  clear(): void {
    this.rows = 0;
    this.capacity = 0;
    this.allocate(0);
  }

  private allocate(capacity: number): void {
    for (const key of Object.keys(this.layout) as (keyof T)[]) {
      const { width, float32 } = this.layout[key];
      const next = float32 ? new Float32Array(capacity * width) : new Float64Array(capacity * width);
      const old = this.buffers.get(key);
      if (old) next.set(old.subarray(0, this.rows * width));
      this.buffers.set(key, next);
    }
    this.capacity = capacity;
  }
}

export class RunSeries {
  private readonly stepCols: GrowableColumns<StepColumns>;
  private readonly npcCols: GrowableColumns<NpcColumns>;
  private readonly knnCols: GrowableColumns<KnnColumns>;
  private lifecycleEvents: LifecycleEvent[] = [];
  private linearEvents: LinearEvent[] = [];
  private skippedLines = 0;
  /** Changes on every reset/append so derived data can be cached per version. */
  version = 0;

  constructor() {
    this.stepCols = new GrowableColumns(STEP_LAYOUT);
    this.npcCols = new GrowableColumns(NPC_LAYOUT);
    this.knnCols = new GrowableColumns(KNN_LAYOUT);
  }

  get steps(): StepColumns {
    return this.stepCols.view();
  }
  get npc(): NpcColumns {
    return this.npcCols.view();
  }
  get knn(): KnnColumns {
    return this.knnCols.view();
  }
  get lifecycle(): readonly LifecycleEvent[] {
    return this.lifecycleEvents;
  }
  /** The latest linear evaluation, if the run has one. */
  get linear(): LinearEvent | undefined {
    return this.linearEvents.at(-1);
  }
  get badLines(): number {
    return this.skippedLines;
  }

  get started(): StartedEvent | undefined {
    return this.lifecycleEvents.find((e): e is StartedEvent => e.type === 'started');
  }

  /** The finished/stopped/failed event, if the run has ended (and not been resumed since). */
  get ending(): Exclude<LifecycleEvent, StartedEvent | ResumedEvent> | undefined {
    for (let i = this.lifecycleEvents.length - 1; i >= 0; i--) {
      const e = this.lifecycleEvents[i];
      if (e.type === 'resumed') return undefined;
      if (e.type !== 'started') return e;
    }
    return undefined;
  }

  /** Steps the run was resumed from (its checkpoints), in order. */
  get resumedSteps(): number[] {
    return this.lifecycleEvents.flatMap((e) => (e.type === 'resumed' ? [e.step] : []));
  }

  get byteLength(): number {
    return this.stepCols.byteLength + this.npcCols.byteLength + this.knnCols.byteLength;
  }

  reset(batch: SeriesBatch): void {
    this.stepCols.clear();
    this.npcCols.clear();
    this.knnCols.clear();
    this.lifecycleEvents = [];
    this.linearEvents = [];
    this.skippedLines = 0;
    this.append(batch);
  }

  append(batch: SeriesBatch): void {
    this.stepCols.append(batch.steps);
    this.npcCols.append(batch.npc);
    this.knnCols.append(batch.knn);
    this.lifecycleEvents.push(...batch.lifecycle);
    this.linearEvents.push(...batch.linear);
    this.skippedLines += batch.badLines;
    this.version++;
  }
}
