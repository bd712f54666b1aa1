/** `dcl-explorer export-weights`: a run's checkpoint as a PyTorch-loadable .safetensors file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const FORMATS = ['safetensors'] as const;

const SPEC: Record<string, FlagSpec> = {
  'run-dir': { type: 'string', help: 'run folder (holds checkpoints/latest)' },
  epoch: { type: 'string', help: "epoch of the checkpoint (default: the run's latest, the only one it keeps)" },
  format: { type: 'string', help: 'safetensors (default)' },
  out: { type: 'string', help: 'output file (default DIR/exports/eNNNN-weights.safetensors)' },
  help: { type: 'boolean', help: 'show this help' },
};

export const EXPORT_WEIGHTS_HELP = formatHelp(
  'Usage: dcl-explorer export-weights --run-dir DIR [--epoch E] [--format safetensors] [--out FILE]\n\n' +
    "Writes the encoder and projection head with PyTorch's layouts and the state-dict names of the modules in\n" +
    'docs/pytorch/dcl_models.py (keys encoder.* and head.*). Prints the file path.',
  SPEC,
);

export async function runExportWeightsCommand(argv: string[], stdout: (text: string) => void = (t) => void process.stdout.write(t)): Promise<void> {
  const flags = parseFlags(argv, SPEC, 'export-weights');
  if (flags.help) {
    stdout(EXPORT_WEIGHTS_HELP);
    return;
  }
  const runDir = flags['run-dir'];
  if (typeof runDir !== 'string') throw new UsageError('export-weights: --run-dir DIR is required');
  if (!fs.existsSync(runDir)) throw new UsageError(`export-weights: run folder ${runDir} does not exist`);
  const format = flags.format ?? 'safetensors';
  if (!FORMATS.includes(format as never)) throw new UsageError(`export-weights: --format must be one of ${FORMATS.join(', ')}; got "${String(format)}"`);
  const epoch = numberFlag(flags, 'epoch', 'export-weights');
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw new UsageError(`export-weights: --epoch must be an integer ≥ 0; got ${epoch}`);
  if (flags.out !== undefined && typeof flags.out !== 'string') throw new UsageError('export-weights: --out takes a file path');

  const { exportWeights } = await import('../trainer/export/exportWeights');
  let result;
  try {
    result = exportWeights(runDir, { epoch, out: typeof flags.out === 'string' ? flags.out : undefined });
  } catch (e) {
    throw new UsageError(`export-weights: ${(e as Error).message}`);
  }
  stdout(`${path.resolve(result.file)}\n`);
}

export const exportWeightsCommand = {
  summary: "write a run's encoder and head as PyTorch-loadable .safetensors",
  help: () => EXPORT_WEIGHTS_HELP,
  run: (argv: string[]) => runExportWeightsCommand(argv),
};
