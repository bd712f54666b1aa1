/**
 * Runs `dcl-explorer project` / `export-embeddings` as a child process, so projections are computed off
 * the extension host's event loop. Progress arrives as `{"progress": f, "stage": s}` JSON lines on stderr;
 * the answer is the last stdout line. Cancelling kills the child (results are written atomically, so a
 * killed job leaves no half-written cache).
 */
import { spawn } from 'node:child_process';
import type { TsneParams, UmapParams } from '../../shared/embeddingFiles';
import type { Selection } from '../../shared/projectionMessages';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface CliJobOptions {
  /** Node executable; the editor's own (Electron) runtime works with ELECTRON_RUN_AS_NODE=1. */
  nodePath: string;
  cliPath: string;
  args: string[];
  onProgress?: (fraction: number, stage: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface CliJob {
  /** Resolves with stdout's lines when the child exits 0. */
  done: Promise<string[]>;
  cancel(): void;
}

export function startCliJob(opts: CliJobOptions): CliJob {
  const env = { ...process.env, ...opts.env };
  // Inside VS Code process.execPath is Electron; this makes it behave as plain Node.
  if (opts.nodePath === process.execPath && process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  const child = spawn(opts.nodePath, [opts.cliPath, ...opts.args], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let cancelled = false;
  let stdout = '';
  let stderrBuf = '';
  const stderrLines: string[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => {
    stderrBuf += chunk;
    let nl: number;
    while ((nl = stderrBuf.indexOf('\n')) >= 0) {
      const line = stderrBuf.slice(0, nl).trim();
      stderrBuf = stderrBuf.slice(nl + 1);
      if (!line) continue;
      const progress = parseProgressLine(line);
      if (progress) opts.onProgress?.(progress.progress, progress.stage);
      else stderrLines.push(line);
    }
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`cannot start ${opts.nodePath}: ${e.message}. Set "dclExplorer.nodePath" to a Node.js 20+ executable.`)));
    child.on('close', (code, signal) => {
      if (stderrBuf.trim()) stderrLines.push(stderrBuf.trim());
      if (cancelled) return reject(new CancelledError());
      if (code === 0) return resolve(stdout.split(/\r?\n/).filter((l) => l.trim() !== ''));
      const detail = stderrLines.slice(-8).join('\n') || `no error output (exit ${code ?? signal})`;
      reject(new Error(detail.replace(/^dcl-explorer: /, '')));
    });
  });
  return {
    done,
    cancel() {
      if (child.exitCode !== null || cancelled) return;
      cancelled = true;
      child.kill();
    },
  };
}

export function parseProgressLine(line: string): { progress: number; stage: string } | null {
  if (!line.startsWith('{')) return null;
  try {
    const v = JSON.parse(line) as { progress?: unknown; stage?: unknown };
    if (typeof v.progress !== 'number' || !Number.isFinite(v.progress)) return null;
    return { progress: Math.min(1, Math.max(0, v.progress)), stage: typeof v.stage === 'string' ? v.stage : '' };
  } catch {
    return null;
  }
}

/** `project` arguments for a webview selection (flag names as in src/cli/projectCommand.ts). */
export function projectCliArgs(runDir: string, s: Selection): string[] {
  const args = ['project', '--run-dir', runDir, '--epoch', String(s.epoch), '--layer', s.layer, '--method', s.method, '--progress'];
  if (s.method === 'umap') {
    const p = s.params as UmapParams;
    args.push('--neighbors', String(p.nNeighbors), '--min-dist', String(p.minDist), '--iterations', String(p.nEpochs), '--seed', String(p.seed));
  } else if (s.method === 'tsne') {
    const p = s.params as TsneParams;
    args.push('--perplexity', String(p.perplexity), '--iterations', String(p.iterations), '--seed', String(p.seed));
  }
  return args;
}
