/**
 * status.json of a run folder, as the launchers read and patch it. Writes go through a temporary file
 * and a rename (readers never see half a file); metrics.jsonl is never touched here.
 */
import { readTail } from '../runFolder/fileTail';

/** The shared status.json reader and atomic writer; TERMINAL keeps the launchers' name for the terminal states. */
export { readRunStatus, TERMINAL_STATES as TERMINAL, writeRunStatus } from '../runFolder/status';

/** The last lines of a text file that say something (not blank, not a stack frame), at most `bytes` read. */
export function fileTail(file: string, lines = 5, bytes = 8192): string[] {
  return (readTail(file, bytes) ?? '')
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^\s+at /.test(l))
    .slice(-lines);
}
