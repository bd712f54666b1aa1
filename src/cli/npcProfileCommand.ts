/** `dcl-explorer npc-profile`: the seed paper's NPC-vs-batch-size figure for one run's model, cached in the run folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PROFILE_BATCH_SIZES } from '../shared/npcProfile';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const SPEC: Record<string, FlagSpec> = {
  'run-dir': { type: 'string', help: 'the run folder (its config.json and latest checkpoint are used)' },
  'batch-sizes': { type: 'string', help: `comma-separated batch sizes (default ${DEFAULT_PROFILE_BATCH_SIZES.join(',')})` },
  batches: { type: 'string', help: 'batches sampled per batch size (default 4)' },
  seed: { type: 'string', help: 'sampling and augmentation seed (default 0)' },
  initial: { type: 'boolean', help: 'profile the untrained model the run started from, not its checkpoint' },
  progress: { type: 'boolean', help: 'print {"progress": 0..1, "stage": …} JSON lines on stderr' },
  help: { type: 'boolean', help: 'show this help' },
};

export const NPC_PROFILE_HELP = formatHelp(
  'Usage: dcl-explorer npc-profile --run-dir DIR [--batch-sizes 32,64,…,1024] [--batches 4] [--initial]\n\n' +
    'Evaluates the NPC multiplier q of the run\'s model (latest checkpoint, or --initial weights) on batches of\n' +
    'each size and writes their distributions (mean, std, Cv, percentiles, histogram) to DIR/npc-profile/.\n' +
    'The last stdout line is the result\'s path; the same request is answered from that cache.',
  SPEC,
);

export async function runNpcProfileCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, SPEC, 'npc-profile');
  if (flags.help) {
    process.stdout.write(NPC_PROFILE_HELP);
    return 0;
  }
  if (typeof flags['run-dir'] !== 'string') throw new UsageError('npc-profile: --run-dir DIR is required');
  const runDir = path.resolve(flags['run-dir']);
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new UsageError(`npc-profile: ${runDir} is not a run folder (no config.json)`);
  const batchSizes =
    typeof flags['batch-sizes'] === 'string'
      ? flags['batch-sizes'].split(',').map((s) => {
          const n = Number(s.trim());
          if (!Number.isInteger(n) || n < 2) throw new UsageError(`npc-profile: --batch-sizes: "${s}" is not a batch size ≥ 2`);
          return n;
        })
      : [...DEFAULT_PROFILE_BATCH_SIZES];
  const batches = numberFlag(flags, 'batches', 'npc-profile') ?? 4;
  if (!Number.isInteger(batches) || batches < 1) throw new UsageError(`npc-profile: --batches must be a whole number ≥ 1; got ${batches}`);
  const seed = numberFlag(flags, 'seed', 'npc-profile') ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`npc-profile: --seed must be a whole number ≥ 0; got ${seed}`);

  const { computeNpcProfile } = await import('../trainer/npcProfile');
  const result = await computeNpcProfile({
    runDir,
    batchSizes,
    batches,
    seed,
    initial: flags.initial === true,
    onProgress: flags.progress ? (progress, stage) => process.stderr.write(JSON.stringify({ progress, stage }) + '\n') : undefined,
  });
  for (const r of result.profile.rows) {
    process.stderr.write(`batch ${String(r.batchSize).padStart(5)}: mean q ${r.summary.mean.toFixed(4)}  Cv ${r.summary.cv.toFixed(4)}\n`);
  }
  for (const s of result.profile.skipped) process.stderr.write(`batch ${s.batchSize}: skipped (${s.reason})\n`);
  process.stdout.write(`${result.file}\n`);
  return 0;
}
