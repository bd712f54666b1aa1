/** `dcl-explorer train`: one run, headless, in this process. The last stdout line is the run folder. */
import { LOSS_LABELS_TEXT } from '../shared/lossRegistry';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../shared/protocol';
import { ConfigError, mergeConfig, resolveConfig } from '../shared/runConfig';
import { formatHelp, parseFlags, UsageError, type FlagSpec } from './args';
import { configFromFlags, CONFIG_FLAGS, pruneUndefined, readConfigFile } from './trainFlags';
import { progressReporter } from './progress';

const SPEC: Record<string, FlagSpec> = {
  ...CONFIG_FLAGS,
  'run-dir': { type: 'string', help: 'train in this existing run folder (its config.json is used; other flags are not allowed)' },
  resume: {
    type: 'string',
    help: 'continue this stopped, failed or interrupted run from its latest checkpoint, in the same folder and event stream (other flags are not allowed)',
  },
  quiet: { type: 'boolean', help: 'print only the run folder path' },
  help: { type: 'boolean', help: 'show this help' },
};

export const TRAIN_HELP = formatHelp(
  'Usage: dcl-explorer train [--config FILE] [flags]\n\n' +
    `Trains one SimCLR-style run (two augmented views → encoder → projection head → ${LOSS_LABELS_TEXT}), logging\n` +
    'loss, the NPC multiplier and kNN accuracy to a new run folder inside --runs-dir. The last line on stdout is the\n' +
    'run folder path. Ctrl+C finishes the current step, writes a checkpoint and ends the run as "stopped";\n' +
    '--resume DIR continues it from that checkpoint (steps after the latest checkpoint are trained again).',
  SPEC,
);

export async function runTrainCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, SPEC, 'train');
  if (flags.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  let runDir: string | undefined;
  /** A new run's folder is made last, right before training, so no way of ending the process leaves it `queued`. */
  let createFolder: (() => string) | undefined;
  const resume = typeof flags.resume === 'string';
  if (resume) {
    const others = Object.keys(flags).filter((k) => k !== 'resume' && k !== 'quiet');
    if (others.length) throw new UsageError(`train: --resume continues the run with its own config.json; drop ${others.map((k) => `--${k}`).join(', ')}`);
    runDir = path.resolve(flags.resume as string);
  } else if (typeof flags['run-dir'] === 'string') {
    const others = Object.keys(flags).filter((k) => k !== 'run-dir' && k !== 'quiet');
    if (others.length) throw new UsageError(`train: --run-dir uses the folder's config.json; drop ${others.map((k) => `--${k}`).join(', ')} or edit the config`);
    runDir = path.resolve(flags['run-dir']);
    if (!fs.existsSync(path.join(runDir, RUN_FILES.config))) throw new UsageError(`train: ${runDir} has no ${RUN_FILES.config}`);
  } else {
    const fromFile = typeof flags.config === 'string' ? readConfigFile(flags.config) : undefined;
    let config;
    try {
      config = resolveConfig(mergeConfig(fromFile, pruneUndefined(configFromFlags(flags, 'train'))));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`train: ${e.message}`);
      throw e;
    }
    const [{ createRunFolder }, { checkRunData }] = await Promise.all([import('../trainer/runFolder'), import('../trainer/dataPreflight')]);
    // The data is checked (headers, sizes, counts) before the run folder exists, so a bad --data-dir leaves nothing.
    try {
      checkRunData(config);
    } catch (e) {
      throw new UsageError(`train: ${(e as Error).message}`);
    }
    createFolder = () => createRunFolder(config);
  }

  const [{ installStopHandlers }, fatal] = await Promise.all([import('../trainer/stopSignal'), import('../trainer/fatalErrors')]);
  const inject = fatal.injectedCrash(process.env);
  const shouldStop = installStopHandlers((why) => process.stderr.write(`\n${why}: finishing the current step, then stopping (press Ctrl+C again to quit at once)\n`));
  // A new run's folder is made only once the training module is loaded (a failure to load it leaves nothing). An
  // existing folder (--run-dir, --resume) is guarded from here on, so that failure is recorded in it.
  let guard = runDir === undefined ? undefined : guardTrainRun(fatal, runDir);
  let refused = false;
  try {
    if (inject === 'load') throw fatal.simulatedLoadFailure();
    const [{ runTraining, injectedFailures }, { ResumeRefused }] = await Promise.all([import('../trainer/train'), import('../trainer/resume')]);
    // Loading TensorFlow.js above takes a moment; a Ctrl+C then found the default handler and left a `queued` folder.
    // Now the folder exists only from here on, where a signal stops the run (after one step, with a checkpoint).
    if (runDir === undefined) {
      // Asked to stop while loading: no run folder was made, so there is nothing to stop or record.
      if (shouldStop()) {
        process.stderr.write(`dcl-explorer: train: stopped (${shouldStop.why()}) before the run folder was made; nothing was kept\n`);
        return SIGNAL_EXIT[shouldStop.why() ?? ''] ?? 1;
      }
      runDir = createFolder!();
      guard = guardTrainRun(fatal, runDir);
    }
    const report = flags.quiet ? undefined : progressReporter(process.stderr, path.basename(runDir));
    let crashed = false;
    let result;
    try {
      // A refused resume (running, finished, no checkpoint) throws its one line before the folder is touched.
      result = await runTraining(
        runDir,
        {
          shouldStop,
          stopWhy: shouldStop.why,
          onEvent: (event) => {
            report?.(event);
            if (event.type === 'step' && !crashed) {
              crashed = true;
              fatal.crashOutsideLoop(inject);
            }
          },
          ...injectedFailures(process.env),
        },
        { resume },
      );
    } catch (e) {
      if (!(e instanceof ResumeRefused)) throw e;
      refused = true;
      guard?.disarm(); // the run stays as it was
      throw e;
    }
    // The progress lines end with the reason; with --quiet it is still the one line a failure prints.
    if (result.state === 'failed' && !report) process.stderr.write(`failed: ${result.error}\n`);
    process.stdout.write(`${runDir}\n`);
    return result.state === 'failed' ? 1 : 0;
  } catch (e) {
    if (!guard || !runDir || refused) throw e;
    // Outside the training loop (loading the trainer, opening the run folder): the run still ends `failed`, and the
    // last stdout line is still its folder.
    const reason = guard.fail(e, 'the trainer failed outside its training loop');
    process.stdout.write(`${runDir}\n`);
    throw new Error(`train: ${reason}`);
  } finally {
    guard?.dispose();
  }
}

/** 128 + the signal's number, as a shell reports a process the signal ended. */
const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The guard of a run trained in this process: a crash's one line on stderr, then the run folder on stdout. */
function guardTrainRun(fatal: typeof import('../trainer/fatalErrors'), runDir: string) {
  return fatal.guardRunEnding(
    runDir,
    (line) => process.stderr.write(`dcl-explorer: train: ${line}\n`),
    () => process.stdout.write(`${runDir}\n`),
  );
}
