/**
 * Run folders named by a command's arguments. Commands are invoked from many places: the runs tree passes
 * (clickedItem, selectedItems[]) with items carrying `runDir`, the explorer passes Uris, other code passes
 * plain paths, and the command palette passes nothing.
 */

function runDirOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item.length > 0 ? item : undefined;
  if (typeof item !== 'object' || item === null) return undefined;
  const o = item as { runDir?: unknown; fsPath?: unknown; scheme?: unknown };
  if (typeof o.runDir === 'string' && o.runDir.length > 0) return o.runDir;
  // A vscode.Uri from the explorer: only local files name a folder the host can read.
  if (typeof o.fsPath === 'string' && (o.scheme === undefined || o.scheme === 'file')) return o.fsPath;
  return undefined;
}

function flatten(arg: unknown): unknown[] {
  return Array.isArray(arg) ? arg.flatMap(flatten) : [arg];
}

/** Distinct run folders in argument order; a non-empty multi-selection wins over the clicked item it contains. */
export function runDirsFromCommandArgs(args: readonly unknown[]): string[] {
  const selection = args[1];
  const source = Array.isArray(selection) && selection.length > 0 ? selection : args;
  const dirs = flatten(source)
    .map(runDirOf)
    .filter((d): d is string => d !== undefined);
  return [...new Set(dirs)];
}
