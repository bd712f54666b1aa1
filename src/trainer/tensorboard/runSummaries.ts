/**
 * What of a run's event stream goes to TensorBoard, and under which tags. Tags group by their prefix in
 * TensorBoard's Scalars tab (train/, eval/, npc/).
 */
import type { NpcSummary, RunEvent } from '../../shared/protocol';
import type { Histogram, SummaryValue } from './eventProto';

/** The NPC summary's equal-width bins over [0, 1] as a TensorBoard histogram (moments from mean and std). */
export function npcHistogram(s: NpcSummary): Histogram {
  const bins = s.histogram.length;
  return {
    // Percentiles 0 and 100 are the extremes (NPC_PERCENTILES starts at 0 and ends at 100).
    min: s.percentiles[0],
    max: s.percentiles[s.percentiles.length - 1],
    num: s.count,
    sum: s.mean * s.count,
    // std is the population standard deviation, so Σq² = n (σ² + μ²).
    sumSquares: s.count * (s.std * s.std + s.mean * s.mean),
    bucketLimit: s.histogram.map((_, i) => (i + 1) / bins),
    bucket: [...s.histogram],
  };
}

const scalar = (tag: string, value: number): SummaryValue => ({ tag, simpleValue: value });

/** The summary values one run event contributes; none for events that carry no numbers to plot. */
export function summariesOf(event: RunEvent): SummaryValue[] {
  switch (event.type) {
    case 'step':
      return [scalar('train/loss', event.loss), scalar('train/lr', event.lr), scalar('train/images_per_second', event.imagesPerSecond)];
    case 'npc':
      return [scalar('npc/mean', event.summary.mean), scalar('npc/cv', event.summary.cv), { tag: 'npc/multiplier', histo: npcHistogram(event.summary) }];
    case 'knn':
      return [scalar('eval/knn_accuracy', event.accuracy)];
    case 'linear':
      return [scalar('eval/linear_accuracy', event.accuracy)];
    case 'epoch':
      return [scalar('train/epoch_mean_loss', event.meanLoss)];
    default:
      return [];
  }
}
