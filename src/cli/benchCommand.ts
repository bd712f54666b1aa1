/** `dcl-explorer bench`: training images/s of the real trainer step on one backend. */
import { BACKEND_PREFERENCES, ENCODER_KINDS, LOSS_KINDS, type BackendPreference, type EncoderKind, type LossKind } from '../shared/protocol';
import { STEP_MEMORY_MODES, type StepMemory } from '../shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../shared/runConfig';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const SPEC: Record<string, FlagSpec> = {
  encoder: { type: 'string', help: 'mlp | cnn | resnet18 (default mlp)' },
  'batch-size': { type: 'string', help: 'images per step (default 256)' },
  steps: { type: 'string', help: 'timed steps (default 10)' },
  warmup: { type: 'string', help: 'untimed warm-up steps (default 2)' },
  backend: { type: 'string', help: `${BACKEND_PREFERENCES.join(' | ')} (default auto)` },
  loss: { type: 'string', help: `${LOSS_KINDS.join(' | ')} (default ${DEFAULT_RUN_CONFIG.loss})` },
  shape: { type: 'string', help: 'input H,W,C (default 28,28,1: MNIST)' },
  json: { type: 'boolean', help: 'print the result as one JSON line (the last stdout line)' },
  profile: { type: 'boolean', help: 'also time every kernel and print where a step spends its time' },
  memory: { type: 'string', help: 'whole | per-view: both views on one tape, or one at a time (less memory, one more forward pass); default: what fits, as a run chooses' },
  help: { type: 'boolean', help: 'show this help' },
};

export const BENCH_HELP = formatHelp(
  'Usage: dcl-explorer bench [--encoder mlp|cnn|resnet18] [--batch-size 256] [--steps 10] [--backend …] [--json]\n\n' +
    'Measures training images/s of the real trainer step (two augmentations, encoder, head, loss, backward,\n' +
    'optimizer) after warm-up. With --json the last stdout line is\n' +
    '{"imagesPerSecond", "viewsPerSecond", "backend", "threads", "encoder", "batchSize", "msPerStep", "augmentMsPerStep", "peakRssMiB",\n' +
    ' "estimatedPeakMiB", "memory", "gpuMiB" (GPU backends), "tensorsLeaked"}. images/s counts the batch (N images per step); each image is augmented into two views, so\n' +
    'views/s = 2 × images/s. The wasm backend uses every core; DCL_WASM_THREADS=N sets the pool size.',
  SPEC,
);

function pick<T extends string>(value: unknown, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`bench: --${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return value as T;
}

export async function runBenchCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, SPEC, 'bench');
  if (flags.help) {
    process.stdout.write(BENCH_HELP);
    return 0;
  }
  const whole = (name: string, fallback: number, min: number) => {
    const v = numberFlag(flags, name, 'bench') ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new UsageError(`bench: --${name} must be a whole number ≥ ${min}; got ${v}`);
    return v;
  };
  const shape = (typeof flags.shape === 'string' ? flags.shape : '28,28,1').split(',').map(Number);
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0) || ![1, 3].includes(shape[2])) {
    throw new UsageError(`bench: --shape must be H,W,C with C 1 or 3; got "${String(flags.shape)}"`);
  }
  const { benchTraining } = await import('../trainer/benchTraining');
  const result = await benchTraining({
    encoder: pick<EncoderKind>(flags.encoder, ENCODER_KINDS, 'encoder', 'mlp'),
    batchSize: whole('batch-size', 256, 2),
    steps: whole('steps', 10, 1),
    warmup: whole('warmup', 2, 0),
    backend: pick<BackendPreference>(flags.backend, BACKEND_PREFERENCES, 'backend', 'auto'),
    loss: pick<LossKind>(flags.loss, LOSS_KINDS, 'loss', DEFAULT_RUN_CONFIG.loss),
    inputShape: shape as [number, number, number],
    profile: flags.profile === true,
    memory: flags.memory === undefined ? undefined : pick<StepMemory>(flags.memory, STEP_MEMORY_MODES, 'memory', 'whole'),
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(
      `${result.encoder} batch ${result.batchSize} on ${result.backend} (${result.threads} thread${result.threads === 1 ? '' : 's'}): ` +
        `${result.imagesPerSecond.toFixed(0)} images/s (${result.viewsPerSecond.toFixed(0)} views/s), ${result.msPerStep.toFixed(1)} ms/step ` +
        `(augmentation ${result.augmentMsPerStep.toFixed(1)} ms), peak RSS ${result.peakRssMiB.toFixed(0)} MiB ` +
        `(estimate ${result.estimatedPeakMiB.toFixed(0)} MiB, ${result.memory} step)` +
        (result.gpuMiB !== undefined ? `, GPU memory ${result.gpuMiB.toFixed(0)} MiB` : '') +
        '\n',
    );
    if (result.kernels) process.stdout.write(kernelTable(result.kernels, result.msPerStep));
  }
  return 0;
}

/** The profile as a table: the kernels that take 99 % of the kernel time, then one line for the rest. */
function kernelTable(kernels: { kernel: string; calls: number; ms: number }[], msPerStep: number): string {
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  const lines = [`kernel time ${total.toFixed(1)} ms of ${msPerStep.toFixed(1)} ms per step (inclusive times):`];
  lines.push(`${'kernel'.padEnd(28)} ${'calls'.padStart(7)} ${'ms/step'.padStart(9)} ${'share'.padStart(6)}`);
  let shown = 0;
  for (const k of kernels) {
    if (shown > 0.99 * total && kernels.length > 1) {
      const rest = kernels.slice(kernels.indexOf(k));
      const ms = rest.reduce((a, r) => a + r.ms, 0);
      lines.push(`${`(${rest.length} more)`.padEnd(28)} ${''.padStart(7)} ${ms.toFixed(1).padStart(9)} ${((100 * ms) / msPerStep).toFixed(1).padStart(5)}%`);
      break;
    }
    shown += k.ms;
    lines.push(`${k.kernel.padEnd(28)} ${k.calls.toFixed(0).padStart(7)} ${k.ms.toFixed(1).padStart(9)} ${((100 * k.ms) / msPerStep).toFixed(1).padStart(5)}%`);
  }
  return lines.join('\n') + '\n';
}
