/** Learning-rate schedule: linear warm-up, then cosine decay to zero (SimCLR's), or constant. */
export function learningRateAt(
  step: number,
  totalSteps: number,
  stepsPerEpoch: number,
  opt: { lr: number; warmupEpochs: number; schedule: 'cosine' | 'constant' },
): number {
  const warmup = Math.round(opt.warmupEpochs * stepsPerEpoch);
  if (warmup > 0 && step < warmup) return (opt.lr * (step + 1)) / warmup;
  if (opt.schedule === 'constant') return opt.lr;
  const span = Math.max(1, totalSteps - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / span));
  return 0.5 * opt.lr * (1 + Math.cos(Math.PI * progress));
}
