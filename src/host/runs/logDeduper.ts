/**
 * The trainer may report a log line twice: on stdout (for terminal users and log capture) and as an IPC
 * `log` message. The two pipes are not ordered relative to each other, so a line is dropped when the same
 * text recently arrived through the other one. Only stdout and IPC pair up; stderr is always kept.
 */
import type { TrainerOutput } from './trainerProcess';

/** How many unmatched lines each side remembers; old ones can no longer pair up. */
const WINDOW = 256;

export class LogDeduper {
  private readonly pending = { stdout: new Map<string, number>(), ipc: new Map<string, number>() };
  private readonly order = { stdout: [] as string[], ipc: [] as string[] };

  /** True when `output` should be shown. */
  accept(output: TrainerOutput): boolean {
    if (output.stream === 'stderr') return true;
    const mine = output.stream;
    const other = mine === 'stdout' ? 'ipc' : 'stdout';
    const count = this.pending[other].get(output.line);
    if (count !== undefined) {
      if (count <= 1) this.pending[other].delete(output.line);
      else this.pending[other].set(output.line, count - 1);
      const idx = this.order[other].indexOf(output.line);
      if (idx >= 0) this.order[other].splice(idx, 1);
      return false;
    }
    this.pending[mine].set(output.line, (this.pending[mine].get(output.line) ?? 0) + 1);
    this.order[mine].push(output.line);
    if (this.order[mine].length > WINDOW) {
      const old = this.order[mine].shift() as string;
      const c = this.pending[mine].get(old) ?? 0;
      if (c <= 1) this.pending[mine].delete(old);
      else this.pending[mine].set(old, c - 1);
    }
    return true;
  }
}
