/**
 * Collects items and hands them over in one call at most every `intervalMs`, so a trainer that logs every
 * step cannot flood the webview with one message per line. Items pushed in the same tick after a quiet
 * period still go out together (the flush waits for a zero-delay timer, not the push itself).
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ThrottledBatcher<T> {
  private pending: T[] = [];
  private timer: unknown = undefined;
  private lastFlush = -Infinity;
  private disposed = false;

  constructor(
    private readonly deliver: (items: T[]) => void,
    readonly intervalMs = 100,
    private readonly timers: Timers = realTimers,
  ) {}

  push(item: T): void {
    if (this.disposed) return;
    this.pending.push(item);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => this.flush(), wait);
  }

  /** Delivers what is pending now (e.g. before the panel sends a fresh history). */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.lastFlush = this.timers.now();
    this.deliver(items);
  }

  /** Drops what is pending without delivering it. */
  clear(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  dispose(): void {
    this.clear();
    this.disposed = true;
  }
}
