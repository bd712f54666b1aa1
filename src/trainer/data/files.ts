/**
 * File-system helpers shared by the dataset readers.
 *
 * They exist so that every reader fails the same way: a message that names the path, says what was
 * expected and what was found, and tells the user what to do. Users meet these messages in the
 * extension's error popup or the CLI, far from the code, so they must stand on their own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Throws unless `dir` is given and is an existing folder; `needs` says which files belong there. */
export function requireDataDir(kind: string, dir: string | undefined, needs: string): string {
  if (!dir) {
    throw new Error(`dataset '${kind}' needs a data folder: pass --data-dir DIR (or set "dataDir" in the run config) ` +
      `pointing at ${needs}`);
  }
  const abs = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new Error(`data folder ${abs} does not exist: pass --data-dir DIR pointing at ${needs}`);
  }
  if (!stat.isDirectory()) {
    throw new Error(`data folder ${abs} is a file, not a folder: pass --data-dir DIR pointing at ${needs}`);
  }
  return abs;
}

/** Size in bytes of a regular file, or undefined when there is none at `file`. */
export function fileSize(file: string): number | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** The first of `names` that exists as a file in `dir`, as a full path. */
export function findFirstFile(dir: string, names: readonly string[]): string | undefined {
  return names.map((n) => path.join(dir, n)).find((p) => fileSize(p) !== undefined);
}

/** The error for files that are not there: lists every expected name and the folder searched. */
export function missingFilesError(dir: string, expected: readonly string[], hint: string): Error {
  const list = expected.map((n) => `  ${n}`).join('\n');
  return new Error(`missing dataset files in ${dir}; expected:\n${list}\n${hint}`);
}

/**
 * Picks the folder that really holds a dataset: `dir` itself when it contains `marker`, else its
 * child `subfolder` (users pick either the extracted folder or the folder they extracted into).
 */
export function resolveDatasetFolder(dir: string, subfolder: string, marker: string, hint: string): string {
  if (fileSize(path.join(dir, marker)) !== undefined) return dir;
  const inner = path.join(dir, subfolder);
  if (fileSize(path.join(inner, marker)) !== undefined) return inner;
  throw new Error(`cannot find ${marker} in ${dir} or in ${inner}: point --data-dir at the '${subfolder}' ` +
    `folder or at the folder that contains it. ${hint}`);
}

/**
 * Checks that a file of fixed-size records holds a whole number of them and returns that number.
 * `standardCount` is the record count of the official file, quoted so the user sees the real target size.
 */
export function recordCount(file: string, size: number, recordBytes: number, standardCount: number, hint: string): number {
  const standard = `${standardCount} records of ${recordBytes} = ${standardCount * recordBytes} bytes`;
  if (size === 0) {
    throw new Error(`${file} is empty: expected ${standard}. ${hint}`);
  }
  if (size % recordBytes !== 0) {
    throw new Error(`${file}: expected a whole number of ${recordBytes}-byte records (the official file has ` +
      `${standard}), found ${size} bytes (${Math.floor(size / recordBytes)} records and ${size % recordBytes} ` +
      `stray bytes): the file is truncated or not this format. ${hint}`);
  }
  return size / recordBytes;
}

/** Stats a required file: its size, or an error naming the file and what it should be. */
export function requireFile(file: string, what: string, hint: string): number {
  const size = fileSize(file);
  if (size === undefined) throw new Error(`missing ${file} (${what}). ${hint}`);
  return size;
}

/**
 * Reads optional class names (one per line). They are only cosmetic, so a missing file or one with
 * the wrong number of lines is ignored rather than failing the run.
 */
export function readClassNames(file: string, numClasses: number): string[] | undefined {
  if (fileSize(file) === undefined) return undefined;
  const names = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return names.length === numClasses ? names : undefined;
}

/** Throws if any label lies outside 0..numClasses-1: the usual sign of a wrong file or a wrong kind. */
export function checkLabels(file: string, labels: Int32Array, numClasses: number, hint: string): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l < 0 || l >= numClasses) {
      throw new Error(`${file}: label ${l} of record ${i} is outside 0..${numClasses - 1}: ` +
        `this is not the expected dataset file. ${hint}`);
    }
  }
}
