/** The run's results for the header: its latest kNN top-1 and, once it has a linear evaluation, that top-1 beside it. */
import { formatPercent } from './format';
import type { RunSeries } from './runSeries';

/** Linear top-1 of the run's latest linear evaluation, in percent; null before one exists. */
export function linearPercent(series: RunSeries): number | null {
  const a = series.linear?.accuracy;
  return a !== undefined && Number.isFinite(a) ? a * 100 : null;
}

export function accuracyFacts(series: RunSeries | undefined): string[] {
  if (!series) return [];
  const facts: string[] = [];
  const knn = series.knn.accuracy;
  for (let i = knn.length - 1; i >= 0; i--) {
    if (Number.isFinite(knn[i])) {
      facts.push(`kNN ${formatPercent(knn[i] * 100)}`);
      break;
    }
  }
  const linear = linearPercent(series);
  if (linear !== null) facts.push(`linear ${formatPercent(linear)}`);
  return facts;
}
