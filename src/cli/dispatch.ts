/**
 * `dcl-explorer`'s commands and their dispatch: `main(argv)` answers every failure with one stderr line and an
 * exit code. Apart from src/cli/main.ts (the entry point) so tests can call it in-process. Each subcommand loads
 * only what it needs.
 */
import { LOSS_LABELS_TEXT } from '../shared/lossRegistry';
import { UsageError } from './args';
import { BENCH_HELP, runBenchCommand } from './benchCommand';
import { evalCommand } from './evalCommand';
import { exportEmbeddingsCommand } from './exportEmbeddingsCommand';
import { exportWeightsCommand } from './exportWeightsCommand';
import { NPC_PROFILE_HELP, runNpcProfileCommand } from './npcProfileCommand';
import { projectCommand } from './projectCommand';
import { LOSS_HELP, runLossCommand } from './lossCommand';
import { runSweepCommand, SWEEP_HELP } from './sweepCommand';
import { runTrainCommand, TRAIN_HELP } from './trainCommand';

interface Command {
  summary: string;
  help: () => string;
  /** Resolves to the exit code (undefined = 0). */
  run: (argv: string[]) => Promise<number | void>;
}

const COMMANDS: Record<string, Command> = {
  loss: { summary: `evaluate a loss (${LOSS_LABELS_TEXT}) and the NPC multipliers on embeddings from a JSON file`, help: () => LOSS_HELP, run: runLossCommand },
  'npc-profile': { summary: "the paper's NPC-vs-batch-size distributions for a run's model (cached in the run)", help: () => NPC_PROFILE_HELP, run: runNpcProfileCommand },
  project: projectCommand,
  eval: evalCommand,
  'export-embeddings': exportEmbeddingsCommand,
  'export-weights': exportWeightsCommand,
  bench: { summary: 'measure training images/s of the real trainer step on one backend', help: () => BENCH_HELP, run: runBenchCommand },
  sweep: { summary: 'run a grid of losses × batch sizes × seeds and print the kNN accuracy table', help: () => SWEEP_HELP, run: runSweepCommand },
  train: { summary: 'train one run headless (progress on stderr; last stdout line = run folder)', help: () => TRAIN_HELP, run: runTrainCommand },
};

export function registerCommand(name: string, command: Command): void {
  COMMANDS[name] = command;
}

function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  const details = Object.values(COMMANDS).map((c) => c.help()).join('\n');
  return (
    'Usage: dcl-explorer <command> [options]\n\n' +
    `DCL Explorer: self-supervised contrastive learning (${LOSS_LABELS_TEXT}) on TensorFlow.js.\n\n` +
    `Commands:\n${rows.join('\n')}\n\nRun "dcl-explorer <command> --help" for one command.\n\n${details}`
  );
}

/** An error is one line on stderr, however a message was put together (a newline in a value, a long path). */
const MAX_ERROR_CHARS = 2000;
function oneLine(message: string): string {
  const flat = message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > MAX_ERROR_CHARS ? `${flat.slice(0, MAX_ERROR_CHARS)}…` : flat;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; run "dcl-explorer --help" for the list`);
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    process.stderr.write(`dcl-explorer: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
