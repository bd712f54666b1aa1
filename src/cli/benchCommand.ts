/** `dcl-explorer bench`: training images/s of the real trainer step on one backend. */
import { BACKEND_PREFERENCES, ENCODER_KINDS, LOSS_KINDS, type BackendPreference, type EncoderKind, type LossKind } from '../shared/protocol';
import { formatHelp, numberFlag, parseFlags, UsageError, type FlagSpec } from './args';

const SPEC: Record<string, FlagSpec> = {
  encoder: { type: 'string', help: 'mlp | cnn | resnet18 (default mlp)' },
  'batch-size': { type: 'string', help: 'images per step (default 256)' },
  steps: { type: 'string', help: 'timed steps (default 10)' },
  warmup: { type: 'string', help: 'untimed warm-up steps (default 2)' },
  backend: { type: 'string', help: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  loss: { type: 'string', help: 'infonce | dcl | dclw (default dcl)' },
  shape: { type: 'string', help: 'input H,W,C (default 28,28,1: MNIST)' },
  json: { type: 'boolean', help: 'print the result as one JSON line (the last stdout line)' },
  help: { type: 'boolean', help: 'show this help' },
};

export const BENCH_HELP = formatHelp(
  'Usage: dcl-explorer bench [--encoder mlp|cnn|resnet18] [--batch-size 256] [--steps 10] [--backend …] [--json]\n\n' +
    'Measures training images/s of the real trainer step (two augmentations, encoder, head, loss, backward,\n' +
    'optimizer) after warm-up. With --json the last stdout line is\n' +
    '{"imagesPerSecond", "viewsPerSecond", "backend", "threads", "encoder", "batchSize", "msPerStep", "augmentMsPerStep", "peakRssMiB",\n' +
    ' "tensorsLeaked"}. images/s counts the batch (N images per step); each image is augmented into two views, so\n' +
    'views/s = 2 × images/s. The wasm backend uses every core; DCL_WASM_THREADS=N sets the pool size.',
  SPEC,
);

function pick<T extends string>(value: unknown, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`bench: --${flag} must be one of ${allowed.join(', ')}; got "${String(value)}"`);
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
    loss: pick<LossKind>(flags.loss, LOSS_KINDS, 'loss', 'dcl'),
    inputShape: shape as [number, number, number],
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(
      `${result.encoder} batch ${result.batchSize} on ${result.backend} (${result.threads} thread${result.threads === 1 ? '' : 's'}): ` +
        `${result.imagesPerSecond.toFixed(0)} images/s (${result.viewsPerSecond.toFixed(0)} views/s), ${result.msPerStep.toFixed(1)} ms/step ` +
        `(augmentation ${result.augmentMsPerStep.toFixed(1)} ms), peak RSS ${result.peakRssMiB.toFixed(0)} MiB\n`,
    );
  }
  return 0;
}
