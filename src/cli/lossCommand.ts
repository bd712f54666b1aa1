/** `dcl-explorer loss`: evaluates one contrastive loss and the NPC multipliers on embeddings from a JSON file. */
import * as fs from 'node:fs';
import { LOSS_KINDS, type LossKind } from '../shared/protocol';
import { CONFIG_FIELDS } from '../shared/configFields';
import { preview, ruleProblem } from '../shared/configChecks';
import { flagHelp } from './trainFlags';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

/**
 * Largest |value| of an embedding entry: rows are L2-normalised in float32, and the squares of larger entries,
 * summed over a row, overflow float32's 3.4e38 (1e39 itself is not even a float32).
 */
export const MAX_EMBEDDING_ABS = 1e15;
const MAX_EMBEDDING_ABS_TEXT = '1e15';

const SPEC: Record<string, FlagSpec> = {
  loss: { type: 'string', help: LOSS_KINDS.join(' | ') },
  temperature: { type: 'string', help: flagHelp(CONFIG_FIELDS.temperature) },
  sigma: { type: 'string', help: flagHelp(CONFIG_FIELDS.sigma) },
  input: { type: 'string', help: 'JSON file {"z1": number[][], "z2": number[][]} (N ≥ 2 rows each, same width)' },
  help: { type: 'boolean', help: 'show this help' },
};

export const LOSS_HELP = formatHelp(
  `Usage: dcl-explorer loss --loss <${LOSS_KINDS.join('|')}> --temperature T [--sigma S] --input FILE\n\n` +
    'Prints one JSON object {"loss": number, "npc": number[]} to stdout; npc holds the 2N multipliers,\n' +
    'view-1 anchors first, then view-2 anchors. Embeddings are L2-normalised before use.',
  SPEC,
);

export interface Embeddings {
  z1: number[][];
  z2: number[][];
}

function checkMatrix(value: unknown, name: string, file: string): number[][] {
  if (!Array.isArray(value)) throw new UsageError(`${file}: "${name}" must be an array of rows (number[][])`);
  value.forEach((row, i) => {
    if (!Array.isArray(row)) throw new UsageError(`${file}: ${name}[${i}] must be an array of numbers`);
    row.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > MAX_EMBEDDING_ABS) {
        throw new UsageError(`${file}: ${name}[${i}][${j}] must be a finite number with |x| ≤ ${MAX_EMBEDDING_ABS_TEXT} (larger ones overflow float32 when rows are normalised); got ${preview(x)}`);
      }
    });
    const width = (value[0] as unknown[]).length;
    if (row.length !== width) {
      throw new UsageError(`${file}: ${name} has ragged rows: row 0 has ${width} values, row ${i} has ${row.length}`);
    }
  });
  return value as number[][];
}

export function readEmbeddings(file: string): Embeddings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read input file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${preview((e as Error).message)}`);
  }
  if (typeof data !== 'object' || data === null) throw new UsageError(`${file}: expected an object {"z1": ..., "z2": ...}`);
  const { z1, z2 } = data as Record<string, unknown>;
  const a = checkMatrix(z1, 'z1', file);
  const b = checkMatrix(z2, 'z2', file);
  if (a.length !== b.length) throw new UsageError(`${file}: z1 has ${a.length} rows but z2 has ${b.length}; both views need N rows`);
  if (a.length < 2) throw new UsageError(`${file}: need N ≥ 2 rows per view so every anchor has negatives; got N = ${a.length}`);
  if (a[0].length === 0) throw new UsageError(`${file}: rows are empty; embeddings need at least one dimension`);
  if (a[0].length !== b[0].length) {
    throw new UsageError(`${file}: z1 rows have ${a[0].length} values but z2 rows have ${b[0].length}; widths must match`);
  }
  return { z1: a, z2: b };
}

export async function runLossCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, SPEC, 'loss');
  if (flags.help) {
    process.stdout.write(LOSS_HELP);
    return;
  }
  const loss = flags.loss;
  if (typeof loss !== 'string') throw new UsageError(`loss: --loss is required (${LOSS_KINDS.join(', ')})`);
  if (!LOSS_KINDS.includes(loss as LossKind)) throw new UsageError(`loss: unknown loss "${loss}"; use one of ${LOSS_KINDS.join(', ')}`);
  // The run config's own limits: a τ the trainer would refuse gives no number here either.
  const scale = (name: 'temperature' | 'sigma'): number => {
    const value = numberFlag(flags, name, 'loss') ?? (CONFIG_FIELDS[name].default as number);
    const problem = ruleProblem(CONFIG_FIELDS[name].rule, value);
    if (problem) throw new UsageError(`loss: --${name} ${problem}`);
    return value;
  };
  const temperature = scale('temperature');
  const sigma = scale('sigma');
  if (typeof flags.input !== 'string') throw new UsageError('loss: --input FILE is required');
  const emb = readEmbeddings(flags.input);

  // Load tfjs only once the input is known to be good: bad input answers instantly.
  const { evaluateLoss } = await import('../trainer/evaluateLoss');
  const result = await evaluateLoss(loss as LossKind, emb.z1, emb.z2, temperature, sigma);
  // A last guard: JSON would print a non-finite loss as null and the command would look like it worked.
  if (!Number.isFinite(result.loss) || result.npc.some((x) => !Number.isFinite(x))) {
    throw new Error(`loss: the ${loss} loss of ${flags.input} is not finite in float32; scale the embeddings down or raise --temperature`);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
