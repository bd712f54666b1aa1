/**
 * The end of a run folder's text files without reading them whole: metrics.jsonl and log.txt grow for as long as a
 * run trains, and their last line is what an ending (a crash record, a launcher's failure detail) needs.
 */
import * as fs from 'node:fs';

/** The last `bytes` of a file as text (all of a smaller file), or undefined when it cannot be read. */
export function readTail(file: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Whether a non-empty file's last byte is not a newline: a writer was killed mid-line. */
export function endsMidLine(file: string): boolean {
  const text = readTail(file, 1);
  return text !== undefined && text !== '' && !text.endsWith('\n');
}
