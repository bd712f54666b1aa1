/**
 * The extension host's log files in code-server's user-data folder (logs/<session>/exthost<N>/
 * remoteexthost.log, one folder per extension host, so a reloaded window adds one) and the remote agent's
 * log. Errors there are what an extension's uncaught exceptions and failed activations turn into.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LogLine {
  file: string;
  line: string;
}

function logFiles(userDataDir: string): string[] {
  const root = path.join(userDataDir, 'logs');
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === 'remoteexthost.log' || entry.name === 'remoteagent.log') out.push(p);
    }
  };
  walk(root);
  return out;
}

/** `[error]` lines, and `[warning]` lines that name the extension. */
export function hostLogProblems(userDataDir: string, extensionId: string): LogLine[] {
  const problems: LogLine[] = [];
  for (const file of logFiles(userDataDir)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (/\[error\]/.test(line) || (/\[warning\]/.test(line) && line.includes(extensionId))) problems.push({ file: path.relative(userDataDir, file), line });
    }
  }
  return problems;
}

/** True once some extension host logged the activation of `extensionId`. */
export function activationLogged(userDataDir: string, extensionId: string): boolean {
  return logFiles(userDataDir).some((f) => fs.readFileSync(f, 'utf8').includes(`_doActivateExtension ${extensionId},`));
}
