/** The run's settings as short facts for the charts header ('loss DCL', 'batch 256', '10 epochs', …). */
import { lossInfo } from '../../../src/shared/lossRegistry';
import type { RunConfig } from '../../../src/shared/protocol';
import { formatInteger } from './format';

export function configFacts(c: RunConfig | null): string[] {
  if (!c) return ['config.json missing or unreadable'];
  const facts = [`loss ${lossInfo(c.loss).label}`, `batch ${c.batchSize}`, `τ ${c.temperature}`];
  if (lossInfo(c.loss).usesSigma) facts.push(`σ ${c.sigma}`);
  const size = c.dataset === 'imagefolder' ? ` at ${c.imageSize}×${c.imageSize}` : '';
  facts.push(`encoder ${c.encoder}`, `dataset ${c.dataset}${size}${c.subset > 0 ? ` (first ${formatInteger(c.subset)})` : ''}`, `${c.epochs} epoch${c.epochs === 1 ? '' : 's'}`);
  if (c.eval?.linear) facts.push('linear evaluation at the end');
  return facts;
}
