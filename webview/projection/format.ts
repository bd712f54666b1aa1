/** Text for the numbers next to the picture. */
import type { ClusterMetrics, ProjectionHeader } from '../../src/shared/embeddingFiles';

export const METHOD_LABEL = { pca: 'PCA', umap: 'UMAP', tsne: 't-SNE' } as const;

export function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`;
}

export function num(v: number | null, digits = 3): string {
  return v === null ? 'n/a' : v.toFixed(digits);
}

/** [label, value, explanation] rows for the metrics strip. */
export function metricRows(h: ProjectionHeader, dim: number): [string, string, string][] {
  const m: ClusterMetrics = h.metrics;
  const rows: [string, string, string][] = [
    ['kNN acc', pct(m.knnAccuracy), `Leave-one-out ${m.knnK}-NN accuracy, cosine similarity on the ${dim}-D vectors (${m.knnQueries} sampled points)`],
    ['silhouette', num(m.silhouette), `Mean silhouette, cosine distance on the ${dim}-D vectors (${m.silhouetteSample} sampled points); 1 = tight, separated classes`],
    ['2-D silhouette', num(m.silhouette2d), `Mean silhouette, Euclidean distance in this 2-D picture (same ${m.silhouetteSample} points): how well the picture separates the classes`],
  ];
  if (h.explainedVariance) rows.push(['PCA variance', h.explainedVariance.map((v) => pct(v)).join(' + '), 'Share of the total variance along the two axes']);
  return rows;
}
