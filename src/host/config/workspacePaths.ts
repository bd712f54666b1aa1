/**
 * Paths in run configs are stored as the user gave them (no absolute local paths unless the user chose
 * one) and resolved against the workspace folder when used, so a run folder can move to another machine.
 */
import * as path from 'node:path';

/** `p` as an absolute path: itself when absolute, else relative to `base` (undefined if there is none). */
export function resolveAgainst(base: string | undefined, p: string): string | undefined {
  if (path.isAbsolute(p)) return path.normalize(p);
  return base === undefined ? undefined : path.resolve(base, p);
}

/** How to store `absolute`: relative with forward slashes when inside `base`, else absolute. */
export function storedPath(base: string | undefined, absolute: string): string {
  if (base === undefined) return absolute;
  const rel = path.relative(base, absolute);
  if (rel === '') return '.';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return absolute;
  return rel.split(path.sep).join('/');
}
