/**
 * Reuses the native backend's tensor buffers instead of leaving each to the garbage collector.
 *
 * Why: a fresh ArrayBuffer of a few MB or more is fresh mmapped memory, and the first write to each of its pages
 * is a page fault. A training step allocates every activation and gradient anew, so without reuse the kernels spend
 * more time faulting pages in than computing (batch norm 27 ms instead of 4 ms a CNN step). The wasm backend does
 * not have this cost because its heap is reused; this pool gives the native backend the same.
 *
 * A buffer is handed out again only when nothing else can still see it: it was allocated here, no other tensor
 * was made on a view of it (the backend reports such views with `markShared`), and reads from outside the kernels
 * get copies (see nativeBackend.ts). The pool holds at most `capBytes`; beyond that freed buffers go to the GC.
 */
export class BufferPool {
  /** Free buffers by byte length, each with the generation it was freed in. */
  private readonly free = new Map<number, { buffer: ArrayBuffer; generation: number }[]>();
  private generation = 0;
  private readonly mine = new WeakSet<ArrayBuffer>();
  private readonly shared = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;

  constructor(private readonly capBytes: number) {}

  /** A buffer of exactly `bytes`, reused when one is free (its contents are then stale: callers overwrite it). */
  take(bytes: number): ArrayBuffer {
    const reused = this.free.get(bytes)?.pop();
    if (reused) {
      this.pooledBytes -= bytes;
      return reused.buffer;
    }
    const buffer = new ArrayBuffer(bytes);
    this.mine.add(buffer);
    return buffer;
  }

  /** Whether `buffer` came from this pool (and so may come back to it). */
  owns(buffer: ArrayBufferLike): boolean {
    return this.mine.has(buffer as ArrayBuffer);
  }

  /** Another tensor reads `buffer` through a view of its own: never reuse it. */
  markShared(buffer: ArrayBufferLike): void {
    if (this.mine.has(buffer as ArrayBuffer)) this.shared.add(buffer as ArrayBuffer);
  }

  /** The tensor that owned the whole of `buffer` was freed: keep it for reuse if that is safe and there is room. */
  give(values: ArrayBufferView): void {
    const buffer = values.buffer as ArrayBuffer;
    if (!this.mine.has(buffer) || this.shared.has(buffer)) return;
    if (values.byteOffset !== 0 || values.byteLength !== buffer.byteLength) return;
    if (this.pooledBytes + buffer.byteLength > this.capBytes) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, (list = []));
    list.push({ buffer, generation: this.generation });
    this.pooledBytes += buffer.byteLength;
  }

  /**
   * Starts a new generation and drops the buffers that stayed free through the whole previous one: a training step
   * asks for the same sizes every step, so what one step did not take back is waste the GC may have.
   */
  trim(): void {
    this.generation++;
    for (const [bytes, list] of this.free) {
      const keep = list.filter((e) => e.generation >= this.generation - 1);
      this.pooledBytes -= (list.length - keep.length) * bytes;
      if (keep.length) this.free.set(bytes, keep);
      else this.free.delete(bytes);
    }
  }

  /** Bytes held for reuse now. */
  get heldBytes(): number {
    return this.pooledBytes;
  }

  /** Drops every held buffer (the GC frees them). */
  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}
