/**
 * One code-server process on 127.0.0.1 (a free port it picks itself) with the profile's folders. It runs in
 * its own process group, so stopping it also ends the extension host and any trainer the extension forked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Profile } from './profile';

const LISTENING = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//;

export class CodeServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
  ) {}

  /** Starts code-server and resolves once it listens. */
  static start(entry: string, profile: Profile, timeoutMs = 60_000): Promise<CodeServer> {
    const args = [
      entry,
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', profile.userDataDir,
      '--extensions-dir', profile.extensionsDir,
    ];
    const child = spawn(process.execPath, args, { env: profile.env, cwd: profile.root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let output = '';
      let server: CodeServer | undefined;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (server) server.output = output;
        const m = LISTENING.exec(output);
        if (m && !server) {
          clearTimeout(timer);
          server = new CodeServer(child, m[1]);
          server.output = output;
          resolve(server);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        if (!server) reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${output}`));
      });
      const timer = setTimeout(() => {
        reject(new Error(`code-server did not listen within ${timeoutMs} ms:\n${output}`));
        CodeServer.killGroup(child, 'SIGKILL');
      }, timeoutMs);
    });
  }

  /** The workbench URL with `folder` opened. */
  workbenchUrl(folder: string): string {
    return `${this.origin}/?folder=${encodeURIComponent(folder)}`;
  }

  /** Everything code-server printed. */
  log(): string {
    return this.output;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; then SIGKILL to anything of the group still alive. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    CodeServer.killGroup(this.child, 'SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) CodeServer.killGroup(this.child, 'SIGKILL');
    // A child that outlives code-server (a trainer still checkpointing) would keep the temp folder busy.
    CodeServer.killGroup(this.child, 'SIGKILL');
  }

  private static killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}
