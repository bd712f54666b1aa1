/**
 * The one reading of command arguments that name runs, for every command (run actions, charts, compare,
 * projection, exports). Commands are invoked from the Runs view (the clicked item, plus the selection),
 * from the explorer with a Uri, from other code with paths or arrays of them, and from the palette with nothing.
 */

/** A tree item's `runDir`, a non-empty path, or a local file Uri (a remote one names nothing this host can read). */
function runDirOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item.length > 0 ? item : undefined;
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as { runDir?: unknown; fsPath?: unknown; scheme?: unknown };
  if (typeof o.runDir === 'string' && o.runDir.length > 0) return o.runDir;
  if (typeof o.fsPath === 'string' && (o.scheme === undefined || o.scheme === 'file')) return o.fsPath;
  return undefined;
}

const runDirsIn = (items: readonly unknown[]): string[] => items.flatMap((i) => (Array.isArray(i) ? runDirsIn(i) : (runDirOf(i) ?? [])));

/**
 * Distinct run folders, in order. A tree context menu passes (clicked, selection): the selection wins when it
 * includes the clicked item, as in VS Code's own views; a right-click outside the selection means the clicked item.
 */
export function runDirsFromArgs(args: readonly unknown[]): string[] {
  const [first, second] = args;
  const clicked = Array.isArray(first) ? undefined : runDirOf(first);
  const selection = Array.isArray(second) ? runDirsIn(second) : [];
  let dirs: string[];
  if (selection.length > 0 && (clicked === undefined || selection.includes(clicked))) dirs = selection;
  else if (clicked !== undefined) dirs = [clicked];
  else dirs = runDirsIn(args);
  return [...new Set(dirs)];
}
