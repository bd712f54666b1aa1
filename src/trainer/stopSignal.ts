/**
 * Graceful stop: SIGTERM, SIGINT, SIGHUP (terminal closed), the IPC message {type: 'stop'}, a lost IPC channel, a closed
 * stdout/stderr (EPIPE: `dcl-explorer train … 2>&1 | head -2`) and the end of an npx / npm wrapper set a flag the
 * training loop polls after every step; the loop then checkpoints and ends the run as `stopped`. A second SIGINT
 * (Ctrl+C twice) quits at once, as terminal users expect, but only after the run's state is recorded (quitRecorder.ts).
 */
import type { HostToChild } from '../shared/protocol';
import { recordQuit } from './quitRecorder';

/** How often the npx / npm wrapper's presence is checked; a stop is at most this much later than the wrapper's end. */
const WRAPPER_POLL_MS = 250;

/** Polled by the training loop: whether a stop was asked for, and by what. */
export interface StopRequest {
  (): boolean;
  why: () => string | undefined;
}

export function installStopHandlers(onFirstRequest?: (why: string) => void): StopRequest {
  let requested = false;
  let firstWhy: string | undefined;
  // Quit at once only on a second SIGINT, not on a SIGINT after some other request: Ctrl+C in a terminal running a
  // sweep reaches this trainer and the sweep together, and the SIGTERM the sweep then sends may be handled first.
  let sawSigint = false;
  const request = (why: string) => {
    const secondSigint = why === 'SIGINT' && sawSigint;
    if (why === 'SIGINT') sawSigint = true;
    if (requested) {
      if (secondSigint) {
        recordQuit('a second Ctrl+C (SIGINT)');
        process.exit(130);
      }
      return;
    }
    requested = true;
    firstWhy = why;
    onFirstRequest?.(why);
  };
  process.on('SIGTERM', () => request('SIGTERM'));
  process.on('SIGINT', () => request('SIGINT'));
  process.on('SIGHUP', () => request('SIGHUP'));
  // Without a listener a write to a closed pipe is an uncaught EPIPE that kills the process with the run still
  // `running`; with one, later writes fail quietly and the run stops cleanly (no one is reading its progress).
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    stream.on('error', (e: NodeJS.ErrnoException) => request(`${name} closed (${e.code ?? e.message})`));
  }
  process.on('message', (m: HostToChild) => {
    if (m && m.type === 'stop') request('IPC stop');
  });
  // The extension host or the sweep went away (window closed, sweep killed): end the run cleanly rather than train
  // unwatched. With an IPC channel its parent is that process, never an npm wrapper (whose npm_command it may still
  // inherit), so the wrapper watch is only for a trainer started from a shell.
  if (process.send) process.on('disconnect', () => request('IPC disconnect'));
  else watchNpmWrapper(request);
  return Object.assign(() => requested, { why: () => firstWhy });
}

/**
 * npx and `npm run` start the CLI through `sh -c`, and dash does not exec its last command: npm passes SIGTERM on to
 * that shell, which dies without passing it further, so the trainer (or a sweep) would train to the end unwatched.
 * Being re-parented is the one sign of it. Only under npm (npm_command is set), so `nohup dcl-explorer train &`
 * outlives its shell as asked. Returns the watch's removal.
 */
export function watchNpmWrapper(request: (why: string) => void): () => void {
  if (!process.env.npm_command) return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    request(`the npm ${process.env.npm_command} wrapper (pid ${parent}) ended`);
  }, WRAPPER_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
