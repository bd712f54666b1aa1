/**
 * A theme-free description of one chart: its x values, series and filled bands. The data builders produce
 * it, and both the on-screen uPlot chart and the SVG export are drawn from it, so what is exported is what
 * is shown. Colours are palette slots; the webview resolves them from the current VS Code theme.
 */

export type ChartId = 'loss' | 'npcBands' | 'npcHistogram' | 'knn' | 'npcProfile' | 'npcProfileCv';

export type SeriesStyle =
  /** A polyline. */
  | 'line'
  /** A step line (histograms). */
  | 'step'
  /** Markers only (the best kNN accuracy). */
  | 'points'
  /** Not drawn, only the edge of a band and a value in the hover read-out. */
  | 'edge';

export interface SeriesSpec {
  label: string;
  values: ArrayLike<number | null>;
  /** Palette slot. A compared run keeps the slot of its index in every chart. */
  color: number;
  style: SeriesStyle;
  width?: number;
  dash?: number[];
  /** A line with a marker on every point (few points, each one a measurement). */
  markers?: boolean;
  /** Stroke opacity (raw curves under their smoothed version are faint). */
  opacity?: number;
  /** 'y2' plots against the right-hand axis. */
  axis?: 'y' | 'y2';
  /** How the hover read-out prints a value. */
  format?: ValueFormat;
}

export interface BandSpec {
  /** Indices into `series`. */
  upper: number;
  lower: number;
  color: number;
  opacity: number;
}

/** 'pow2' prints x as 2^x: batch sizes on a log2 axis are plotted as their log2 and labelled as sizes. */
export type ValueFormat = 'number' | 'percent' | 'integer' | 'duration' | 'pow2';

/** 'asinh' is the log-like scale used when a "log" axis must show zero or negative values (DCL losses can be negative). */
export type YScale = 'linear' | 'log' | 'asinh';

export interface ChartSpec {
  id: ChartId;
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  xFormat: ValueFormat;
  yScale: YScale;
  /** Fixed x range (histograms span [0, 1]); otherwise the data's. */
  xRange?: [number, number];
  /** Fixed lower bound for y (counts and fractions start at 0). */
  yMin?: number;
  /** Where y values can lie (accuracies in percent: [0, 100]); a linear y axis stays within them. */
  yBounds?: [number, number];
  x: ArrayLike<number>;
  series: SeriesSpec[];
  bands: BandSpec[];
  /** Away from the cursor, the read-out shows each series' latest value (curves over training, not histograms). */
  latestInLegend?: boolean;
}

/** 'log' when every drawn value is positive, otherwise the asinh scale that tolerates zero and negatives. */
export function logScaleFor(series: readonly SeriesSpec[]): YScale {
  for (const s of series) {
    if (s.axis === 'y2') continue;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v !== null && Number.isFinite(v) && v <= 0) return 'asinh';
    }
  }
  return 'log';
}

/**
 * The y range of data spanning [min, max] whose values can only lie in `bounds`: padded by a tenth of the
 * span, or for a flat line (every kNN evaluation at 100 %) by a twentieth of the bounds, where auto-ranging
 * would pad by the value itself (0–200 %); never past the bounds, unless the data is.
 */
export function boundedRange(min: number, max: number, bounds: readonly [number, number]): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [bounds[0], bounds[1]];
  const lo = Math.min(bounds[0], min);
  const hi = Math.max(bounds[1], max);
  const pad = max > min ? (max - min) * 0.1 : (hi - lo) * 0.05 || 1;
  return [Math.max(lo, min - pad), Math.min(hi, max + pad)];
}
