/**
 * Entry of the trainer child process the extension launches: `node dist/trainer.js --run-dir DIR [--resume]`
 * (--resume continues the run from its latest checkpoint; a refusal is one line on stderr and EXIT_RESUME_REFUSED).
 * DIR/config.json must exist. Events go to DIR/metrics.jsonl and log lines to DIR/log.txt and stdout; when
 * launched with an IPC channel (child_process.fork), each appended event rings the parent's doorbell
 * (`{type: 'flushed'}`) so it reads the file at once. The parent's `{type: 'stop'}` asks for a stop.
 * However the process goes down outside the training loop (TensorFlow.js failing to load, a throw while the folder is
 * opened, an uncaught exception or rejection, process.exit), the run ends `failed` with the reason (guardRunEnding).
 */
import { EXIT_RESUME_REFUSED, type ChildToHost } from '../shared/protocol';
import { crashOutsideLoop, guardRunEnding, injectedCrash, simulatedLoadFailure } from './fatalErrors';
import { installStopHandlers } from './stopSignal';

/** DCL_INJECT_CRASH (tests): how this process goes down outside the training loop, once a step is done. */
const inject = injectedCrash(process.env);

let pendingSends = 0;
let drained: (() => void) | undefined;

function send(message: ChildToHost): void {
  if (!process.send || !process.connected) return;
  pendingSends++;
  process.send(message, undefined, {}, () => {
    pendingSends--;
    if (pendingSends === 0) drained?.();
    if (inject === 'ipc' && message.type === 'flushed') throw new Error('injected error in the IPC send callback (DCL_INJECT_CRASH=ipc)');
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
  // From here to the process's end, a crash outside runTraining's own try/catch still ends the run `failed`.
  const guard = guardRunEnding(runDir, (line) => process.stderr.write(`trainer: ${line}\n`));
  let crashed = false;
  try {
    // Loaded here, under the guard and the stop handlers: TensorFlow.js failing to load is a recorded failure.
    if (inject === 'load') throw simulatedLoadFailure();
    const [{ injectedFailures, runTraining }, { ResumeRefused }] = await Promise.all([import('./train'), import('./resume')]);
    try {
      const result = await runTraining(
        runDir,
        {
          shouldStop,
          stopWhy: shouldStop.why,
          onEvent: (event) => {
            send({ type: 'flushed' });
            if (event.type === 'step' && !crashed) {
              crashed = true;
              crashOutsideLoop(inject);
            }
          },
          onLog: (line) => process.stdout.write(line + '\n'),
          ...injectedFailures(process.env),
        },
        { resume: process.argv.includes('--resume') },
      );
      if (result.state === 'failed') process.stderr.write(`trainer: ${result.error}\n`);
      return result.state === 'failed' ? 1 : 0;
    } catch (e) {
      if (!(e instanceof ResumeRefused)) throw e;
      guard.disarm(); // a refused resume leaves the run as it was
      process.stderr.write(`trainer: ${e.message}\n`);
      return EXIT_RESUME_REFUSED;
    }
  } catch (e) {
    // Outside the training loop: loading the trainer, opening the run folder, or the loop's own last writes.
    process.stderr.write(`trainer: ${guard.fail(e, 'the trainer failed outside its training loop')}\n`);
    return 1;
  }
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
