/**
 * Entry of the trainer child process the extension launches: `node dist/trainer.js --run-dir DIR [--resume]`
 * (--resume continues the run from its latest checkpoint; a refusal is one line on stderr and EXIT_RESUME_REFUSED).
 * DIR/config.json must exist. Events go to DIR/metrics.jsonl and log lines to DIR/log.txt and stdout; when
 * launched with an IPC channel (child_process.fork), each appended event rings the parent's doorbell
 * (`{type: 'flushed'}`) so it reads the file at once. The parent's `{type: 'stop'}` asks for a stop.
 */
import { EXIT_RESUME_REFUSED, type ChildToHost } from '../shared/protocol';
import { installStopHandlers } from './stopSignal';
import { ResumeRefused } from './resume';
import { injectedFailures, runTraining } from './train';

let pendingSends = 0;
let drained: (() => void) | undefined;

function send(message: ChildToHost): void {
  if (!process.send || !process.connected) return;
  pendingSends++;
  process.send(message, undefined, {}, () => {
    pendingSends--;
    if (pendingSends === 0) drained?.();
  });
}

/** Resolves once every IPC message has been handed to the OS, so disconnecting loses none. */
function allSent(): Promise<void> {
  return pendingSends === 0 ? Promise.resolve() : new Promise((resolve) => (drained = resolve));
}

function parseRunDir(argv: string[]): string {
  const i = argv.indexOf('--run-dir');
  const dir = i >= 0 ? argv[i + 1] : undefined;
  if (!dir) {
    process.stderr.write('trainer: usage: node dist/trainer.js --run-dir DIR (DIR/config.json must exist)\n');
    process.exit(2);
  }
  return dir;
}

async function main(): Promise<number> {
  const runDir = parseRunDir(process.argv.slice(2));
  const shouldStop = installStopHandlers((why) => process.stdout.write(`stop requested (${why}); finishing the current step\n`));
  let result;
  try {
    result = await runTraining(
      runDir,
      {
        shouldStop,
        stopWhy: shouldStop.why,
        onEvent: () => send({ type: 'flushed' }),
        onLog: (line) => process.stdout.write(line + '\n'),
        ...injectedFailures(process.env),
      },
      { resume: process.argv.includes('--resume') },
    );
  } catch (e) {
    if (!(e instanceof ResumeRefused)) throw e;
    process.stderr.write(`trainer: ${e.message}\n`);
    return EXIT_RESUME_REFUSED;
  }
  if (result.state === 'failed') process.stderr.write(`trainer: ${result.error}\n`);
  return result.state === 'failed' ? 1 : 0;
}

main().then(
  async (code) => {
    process.exitCode = code;
    await allSent();
    // The IPC channel keeps the process alive; close it once the last events are out.
    if (process.connected) process.disconnect?.();
  },
  (e) => {
    process.stderr.write(`trainer: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
