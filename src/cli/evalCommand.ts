/** `dcl-explorer eval`: linear evaluation (the papers' metric) of a run's checkpoint, printed and recorded in the run. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const SPEC: Record<string, FlagSpec> = {
  'run-dir': { type: 'string', help: 'run folder (its config.json and checkpoints/latest are used)' },
  epoch: { type: 'string', help: "epoch of the checkpoint (default: the run's latest, the only one it keeps)" },
  quiet: { type: 'boolean', help: 'print only the result line' },
  help: { type: 'boolean', help: 'show this help' },
};

export const EVAL_HELP = formatHelp(
  'Usage: dcl-explorer eval --run-dir DIR [--epoch E]\n\n' +
    "Linear evaluation: encodes the run's train and test splits with its frozen encoder, L2-normalises the\n" +
    'features, fits a softmax (multinomial logistic regression) classifier by full-batch L-BFGS, choosing the\n' +
    'weight decay on a seeded 10 % of the train features, refits on all of them and reports top-1 on the test\n' +
    'split. Records a `linear` event (metrics.jsonl, TensorBoard) and status.json final.linearAccuracy. The last\n' +
    'stdout line is the result.',
  SPEC,
);

export async function runEvalCommand(argv: string[], out: { stdout: (t: string) => void; stderr: (t: string) => void } = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
}): Promise<void> {
  const flags = parseFlags(argv, SPEC, 'eval');
  if (flags.help) {
    out.stdout(EVAL_HELP);
    return;
  }
  if (typeof flags['run-dir'] !== 'string') throw new UsageError('eval: --run-dir DIR is required');
  const runDir = path.resolve(flags['run-dir']);
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new UsageError(`eval: ${runDir} is not a run folder (no config.json)`);
  const epoch = numberFlag(flags, 'epoch', 'eval');
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw new UsageError(`eval: --epoch must be an integer ≥ 0; got ${epoch}`);

  const { evaluateRunLinear, formatLinearResult } = await import('../trainer/linear/evaluateRun');
  const { findCheckpoint } = await import('../trainer/findCheckpoint');
  try {
    // Before the backend and the dataset load: a missing checkpoint is the user's to fix, in one line.
    findCheckpoint(runDir, epoch);
  } catch (e) {
    throw new UsageError(`eval: ${(e as Error).message}`);
  }
  const event = await evaluateRunLinear({ runDir, epoch, onLog: flags.quiet ? undefined : (line) => out.stderr(`${line}\n`) });
  out.stdout(`${formatLinearResult(event)}\n`);
}

export const evalCommand = {
  summary: "linear evaluation (the papers' metric) of a run's checkpoint: top-1 of a softmax classifier on frozen features",
  help: () => EVAL_HELP,
  run: (argv: string[]) => runEvalCommand(argv),
};
