/**
 * The one way files of a run folder (and the tools' outputs) are replaced: written beside the target, then renamed
 * over it, so a reader never sees half a file; a failed write (a full disk) removes its temporary file again.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

let counter = 0;
/** Unique per process and call, so concurrent async writes of one file never share a temporary. */
const tmpName = (file: string): string => `${file}.${process.pid}.${++counter}.tmp`;

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = tmpName(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export async function writeFileAtomicAsync(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tmpName(file);
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

const jsonText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

export const writeJsonAtomic = (file: string, value: unknown): void => writeFileAtomic(file, jsonText(value));

export const writeJsonAtomicAsync = (file: string, value: unknown): Promise<void> => writeFileAtomicAsync(file, jsonText(value));
