/**
 * Is the process named in a run's status.json still that run's trainer? After a crash, a reboot or a
 * window reload the pid may be gone, or reused by an unrelated process. A pid counts as the trainer when
 * it is alive and the process started no later than the trainer's last write of status.json: a process
 * that reuses the pid necessarily started after the trainer died, hence after its last write.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { isPidAlive } from '../../runFolder/processAlive';

export { isPidAlive };

/** Linux: start time from /proc (clock ticks since boot; USER_HZ is 100 on every mainstream kernel). */
async function linuxStartTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22 of stat(5), counted from field 3
    const btimeLine = (await fs.readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith('btime '));
    if (!btimeLine || !Number.isFinite(ticks)) return undefined;
    return Number(btimeLine.slice(6)) * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

/** macOS and other Unixes: `ps -o lstart=` prints the start time with one-second resolution. */
function psStartTime(pid: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'lstart=', '-p', String(pid)], { timeout: 2000 }, (err, stdout) => {
      const t = err ? NaN : Date.parse(stdout.trim());
      resolve(Number.isFinite(t) ? t : undefined);
    });
  });
}

export type ProcessStartTime = (pid: number) => Promise<number | undefined>;

export const processStartTime: ProcessStartTime = (pid) => {
  if (process.platform === 'linux') return linuxStartTime(pid);
  if (process.platform === 'win32') return Promise.resolve(undefined); // no cheap source: trust liveness
  return psStartTime(pid);
};

/** Slack for clock resolution (ps has whole seconds) between a process start and its first write. */
const START_SLACK_MS = 2000;

/**
 * True when `pid` is alive and, where the start time can be found, started before `lastWriteMs` (the
 * status.json modification time). Start times are cached per pid: they never change while it lives.
 */
export class ProcessProbe {
  private startTimes = new Map<number, number | undefined>();

  constructor(
    private readonly alive: (pid: number) => boolean = isPidAlive,
    private readonly startTime: ProcessStartTime = processStartTime,
  ) {}

  async isRunProcess(pid: number, lastWriteMs: number): Promise<boolean> {
    if (!this.alive(pid)) {
      this.startTimes.delete(pid);
      return false;
    }
    if (!this.startTimes.has(pid)) this.startTimes.set(pid, await this.startTime(pid));
    const started = this.startTimes.get(pid);
    return started === undefined || started <= lastWriteMs + START_SLACK_MS;
  }
}
