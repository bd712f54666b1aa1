/**
 * status.json of a run folder, as the launchers read and patch it. Writes go through a temporary file
 * and a rename (readers never see half a file); metrics.jsonl is never touched here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, type RunState, type RunStatus } from '../shared/protocol';

export const TERMINAL: readonly RunState[] = ['finished', 'stopped', 'failed'];

export function readRunStatus(runDir: string): RunStatus | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.status), 'utf8')) as RunStatus;
    return typeof value === 'object' && value !== null && typeof value.state === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function writeRunStatus(runDir: string, status: RunStatus): void {
  const file = path.join(runDir, RUN_FILES.status);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(status, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** The last lines of a text file that say something (not blank, not a stack frame), at most `bytes` read. */
export function fileTail(file: string, lines = 5, bytes = 8192): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf
      .toString('utf8')
      .split(/\r?\n/)
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '' && !/^\s+at /.test(l))
      .slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
