/**
 * The seed paper's "NPC vs batch size" figure from a cached profile (src/shared/npcProfile.ts): one q
 * density per batch size, overlaid, and the coefficient of variation (with the mean) against the batch
 * size on a log2 axis. Histogram counts become densities (∫ density dq = 1) so batch sizes with different
 * numbers of multipliers share one y-axis. Pure data: no DOM, no vscode.
 */
import type { NpcProfileEntry } from '../../../src/shared/chartsMessages';
import type { NpcProfile } from '../../../src/shared/npcProfile';
import { NPC_HISTOGRAM_BINS, NPC_PERCENTILES } from '../../../src/shared/protocol';
import type { ChartSpec, SeriesSpec } from './chartSpec';
import { formatInteger, formatNumber } from './format';
import type { DataTable } from './table';

const BINS = NPC_HISTOGRAM_BINS;
const BIN_WIDTH = 1 / BINS;

/** Counts over BINS equal bins of [0, 1] as a probability density (NaN everywhere for an empty histogram). */
export function densities(histogram: ArrayLike<number>): Float64Array {
  const out = new Float64Array(BINS);
  let total = 0;
  for (let b = 0; b < BINS; b++) total += histogram[b] ?? 0;
  for (let b = 0; b < BINS; b++) out[b] = total > 0 ? (histogram[b] ?? 0) / (total * BIN_WIDTH) : NaN;
  return out;
}

/** Bin centres: the density of each bin is drawn at its middle. */
export function binCentres(): Float64Array {
  const x = new Float64Array(BINS);
  for (let b = 0; b < BINS; b++) x[b] = (b + 0.5) * BIN_WIDTH;
  return x;
}

/** "latest checkpoint, step 1 200 (epoch 8)" or "initial model (untrained)". */
export function modelLabel(model: NpcProfile['model']): string {
  return model.kind === 'initial' ? 'initial model (untrained)' : `checkpoint at step ${formatInteger(model.step)} (epoch ${formatNumber(model.epoch)})`;
}

/** One line per profile for the picker: the model, the batch sizes and how many batches each. */
export function profileLabel(entry: NpcProfileEntry): string {
  const p = entry.profile;
  const sizes = p.rows.map((r) => r.batchSize);
  const range = sizes.length === 0 ? 'no batch sizes' : sizes.length === 1 ? `B = ${sizes[0]}` : `B = ${sizes[0]}…${sizes[sizes.length - 1]}`;
  return `${modelLabel(p.model)} · ${range} · ${p.batches} batch${p.batches === 1 ? '' : 'es'} each`;
}

/** The profile the view shows: the chosen file while it exists, otherwise the first (newest) one. */
export function selectProfile(profiles: readonly NpcProfileEntry[], file: string | null): NpcProfileEntry | undefined {
  return (file !== null && profiles.find((p) => p.file === file)) || profiles[0];
}

/** "B = 256 · mean 0.97 · Cv 0.012": every curve names its own mean and Cv. */
export function rowLabel(row: NpcProfile['rows'][number]): string {
  return `B = ${row.batchSize} · mean ${formatNumber(row.summary.mean)} · Cv ${formatNumber(row.summary.cv)}`;
}

export function npcProfileHistogramSpec(profile: NpcProfile | undefined, opts: { logY: boolean }): ChartSpec {
  const rows = profile?.rows ?? [];
  // Palette slots follow the batch-size order, so the colours read as a sequence small → large.
  const series: SeriesSpec[] = rows.map((row, i) => ({ label: rowLabel(row), values: densities(row.summary.histogram), color: i, style: 'line', width: 2 }));
  return {
    id: 'npcProfile',
    title: profile ? `NPC multiplier q by batch size: ${modelLabel(profile.model)}` : 'NPC multiplier q by batch size',
    xLabel: 'NPC multiplier q',
    yLabel: opts.logY ? 'density (asinh scale)' : 'density',
    xFormat: 'number',
    yScale: opts.logY ? 'asinh' : 'linear',
    xRange: [0, 1],
    yMin: 0,
    x: rows.length ? binCentres() : [],
    series,
    bands: [],
  };
}

/** Cv (left axis, log scale when positive) and mean q (right axis) against log2 of the batch size. */
export function npcProfileCvSpec(profile: NpcProfile | undefined): ChartSpec {
  const rows = profile?.rows ?? [];
  const cv = rows.map((r) => r.summary.cv);
  return {
    id: 'npcProfileCv',
    title: 'Spread of q against batch size',
    xLabel: 'batch size (log₂ axis)',
    yLabel: 'Cv of q (σ/μ)',
    y2Label: 'mean q',
    xFormat: 'pow2',
    yScale: cv.every((v) => v > 0) ? 'log' : 'linear',
    // Half a doubling of margin on each side keeps the end markers inside the plot.
    xRange: rows.length ? [Math.log2(rows[0].batchSize) - 0.5, Math.log2(rows[rows.length - 1].batchSize) + 0.5] : undefined,
    x: rows.map((r) => Math.log2(r.batchSize)),
    series: rows.length
      ? [
          { label: 'Cv (σ/μ)', values: cv, color: 0, style: 'line', width: 2, markers: true },
          { label: 'mean q', values: rows.map((r) => r.summary.mean), color: 1, style: 'line', width: 1.5, dash: [6, 4], markers: true, axis: 'y2' },
        ]
      : [],
    bands: [],
  };
}

/** The per-batch-size numbers, in batch-size order: one row each. */
export function cvTable(profile: NpcProfile | undefined): { header: string[]; rows: string[][] } {
  return {
    header: ['Batch size', 'q values', 'mean q', 'std', 'Cv (σ/μ)', 'median', 'min'],
    rows: (profile?.rows ?? []).map((r) => {
      const s = r.summary;
      return [formatInteger(r.batchSize), formatInteger(s.count), formatNumber(s.mean), formatNumber(s.std), formatNumber(s.cv), formatNumber(s.percentiles[NPC_PERCENTILES.indexOf(50)]), formatNumber(s.percentiles[0])];
    }),
  };
}

/** CSV of the densities: one row per bin, one column per batch size. */
export function densityCsvTable(profile: NpcProfile | undefined): DataTable {
  const rows = profile?.rows ?? [];
  return {
    header: ['bin_low', 'bin_high', ...rows.map((r) => `density_b${r.batchSize}`)],
    columns: [
      Array.from({ length: BINS }, (_, b) => b * BIN_WIDTH),
      Array.from({ length: BINS }, (_, b) => (b + 1) * BIN_WIDTH),
      ...rows.map((r) => densities(r.summary.histogram)),
    ],
  };
}

/** CSV of the summaries: one row per batch size with every logged statistic at full precision. */
export function summaryCsvTable(profile: NpcProfile | undefined): DataTable {
  const rows = profile?.rows ?? [];
  return {
    header: ['batch_size', 'count', 'mean', 'std', 'cv', ...NPC_PERCENTILES.map((p) => `p${p}`)],
    columns: [
      rows.map((r) => r.batchSize),
      rows.map((r) => r.summary.count),
      rows.map((r) => r.summary.mean),
      rows.map((r) => r.summary.std),
      rows.map((r) => r.summary.cv),
      ...NPC_PERCENTILES.map((_, j) => rows.map((r) => r.summary.percentiles[j])),
    ],
  };
}

/** File-name stem of exports: "npc-vs-batch-<run>-<profile file without .json>". */
export function profileExportStem(runStem: string, entry: NpcProfileEntry | undefined): string {
  return entry ? `npc-vs-batch-${runStem}-${entry.file.replace(/\.json$/, '')}` : `npc-vs-batch-${runStem}`;
}
