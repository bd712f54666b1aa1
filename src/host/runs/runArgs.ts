/**
 * Command arguments that name runs. The same commands are invoked from the Runs view (the clicked item,
 * plus the whole selection when several are selected), from other commands with a path, and from the
 * explorer with a Uri; all of them carry or are a run folder path.
 */

function runDirOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { runDir?: unknown; fsPath?: unknown };
    if (typeof o.runDir === 'string') return o.runDir;
    if (typeof o.fsPath === 'string') return o.fsPath;
  }
  return undefined;
}

/**
 * The run folders named by a command's arguments. A tree context menu passes (clicked, selection): the
 * selection wins when it includes the clicked item, as in VS Code's own views.
 */
export function runDirsFromArgs(args: readonly unknown[]): string[] {
  const [first, second] = args;
  const selection = Array.isArray(second) ? second : undefined;
  const clicked = Array.isArray(first) ? undefined : runDirOf(first);
  let dirs: string[];
  if (selection && (clicked === undefined || selection.some((s) => runDirOf(s) === clicked))) {
    dirs = selection.flatMap((s) => runDirOf(s) ?? []);
  } else if (Array.isArray(first)) {
    dirs = first.flatMap((s) => runDirOf(s) ?? []);
  } else {
    dirs = clicked !== undefined ? [clicked] : [];
  }
  return [...new Set(dirs)];
}
