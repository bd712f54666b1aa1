/**
 * Paths read out of a run folder's own files (model.json's weightsManifest, read for resume, linear evaluation and
 * export-weights) are data, not trusted: a crafted `../../etc/passwd` must not make a reader open a file outside the folder.
 */
import * as path from 'node:path';

/** `name` resolved inside `folder`; throws one line naming the file that holds it when it would leave the folder. */
export function pathInside(folder: string, name: unknown, heldBy: string): string {
  if (typeof name !== 'string' || name === '') throw new Error(`${heldBy}: expected a file name, got ${JSON.stringify(name)?.slice(0, 80)}`);
  const root = path.resolve(folder);
  const full = path.resolve(root, name);
  if (path.isAbsolute(name) || !full.startsWith(root + path.sep)) {
    throw new Error(`${heldBy} names "${name.slice(0, 120)}", which is outside ${root}; a run folder's files may only name files inside it (the file was edited or crafted)`);
  }
  return full;
}
