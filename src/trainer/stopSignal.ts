/**
 * Graceful stop: SIGTERM / SIGINT, the IPC message {type: 'stop'} or a lost IPC channel set a flag the training loop polls
 * after every step. A second SIGINT (Ctrl+C twice) exits at once, as terminal users expect.
 */
import type { HostToChild } from '../shared/protocol';

export function installStopHandlers(onFirstRequest?: (why: string) => void): () => boolean {
  let requested = false;
  const request = (why: string) => {
    if (requested) {
      if (why === 'SIGINT') process.exit(130);
      return;
    }
    requested = true;
    onFirstRequest?.(why);
  };
  process.on('SIGTERM', () => request('SIGTERM'));
  process.on('SIGINT', () => request('SIGINT'));
  process.on('message', (m: HostToChild) => {
    if (m && m.type === 'stop') request('IPC stop');
  });
  // The extension host went away (window closed): end the run cleanly rather than train unwatched.
  if (process.send) process.on('disconnect', () => request('IPC disconnect'));
  return () => requested;
}
