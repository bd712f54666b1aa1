/**
 * The per-step numbers between two `step` events: each step's NPC multipliers and image count are gathered, and
 * every logEvery steps (and at an epoch's end) they become one `step` event (loss, lr, throughput over the window)
 * and one `npc` event (the window's NPC distribution), so the file stays small for long runs.
 */
import { NPC_PERCENTILES } from '../../shared/protocol';
import { summarizeNpc } from '../../shared/stats';
import type { RunContext } from './runContext';

export class MetricsWindow {
  private pendingNpc: Float32Array[] = [];
  private start = Date.now();
  private images = 0;

  add(npc: Float32Array, images: number): void {
    this.pendingNpc.push(npc);
    this.images += images;
  }

  /** Emits the window's `step` and `npc` events and starts the next window. */
  flush(ctx: RunContext, loss: number, lr: number): void {
    const seconds = Math.max(1e-6, (Date.now() - this.start) / 1000);
    ctx.emit({ type: 'step', loss, lr, imagesPerSecond: this.images / seconds });
    ctx.emit({ type: 'npc', summary: summarizeNpc(concat(this.pendingNpc), NPC_PERCENTILES) });
    this.pendingNpc = [];
    this.start = Date.now();
    this.images = 0;
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
