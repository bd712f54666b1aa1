/**
 * What a feature (charts, projection, exports) needs from the extension: its files, the runs folder and the
 * Node.js runtime, both from the validated settings. DclHost implements it and every feature receives it
 * at registration, so no feature reads `dclExplorer.*` settings itself or keeps its own fallbacks.
 */
import type * as vscode from 'vscode';

export interface CliRuntime {
  /** The Node.js that runs `dcl-explorer` jobs (dclExplorer.nodePath, else the editor's own runtime). */
  nodePath: string;
  /** The bundled CLI script, dist/cli.js. */
  cliPath: string;
}

export interface FeatureHost {
  readonly context: vscode.ExtensionContext;
  /** The runs folder; undefined after telling the user why there is none (no folder open, relative setting). */
  runsRootOrWarn(): string | undefined;
  cliRuntime(): CliRuntime;
}
