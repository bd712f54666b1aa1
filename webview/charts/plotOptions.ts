/** Maps a theme-free ChartSpec plus the current VS Code theme onto uPlot's options and data. */
import uPlot from 'uplot';
import { withAlpha } from '../common/colors';
import type { Theme } from '../common/theme';
import { boundedRange, type ChartSpec, type SeriesSpec, type ValueFormat, type YScale } from './data/chartSpec';
import type { XRange } from './data/downsample';
import { formatValue } from './data/format';

export interface PlotHandlers {
  /** A drag selected an x window (range) or a double-click asked to reset (null). */
  onZoom(range: XRange | null): void;
}

/** uPlot treats only null as "no value"; a NaN would poison its auto-ranging, so non-finite values become null. */
function plotColumn(values: ArrayLike<number | null>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v !== null && Number.isFinite(v) ? v : null;
  }
  return out;
}

export function plotData(spec: ChartSpec): uPlot.AlignedData {
  return [Float64Array.from(spec.x), ...spec.series.map((s) => plotColumn(s.values))] as uPlot.AlignedData;
}

const steppedPath = uPlot.paths.stepped?.({ align: 1 });
const noPath: uPlot.Series.PathBuilder = () => null;

/** The last non-null value of a plotted column. */
function latest(column: uPlot.AlignedData[number]): number | null {
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

function seriesOptions(s: SeriesSpec, theme: Theme, latestInLegend: boolean): uPlot.Series {
  const color = theme.palette[s.color % theme.palette.length];
  const stroke = withAlpha(color, Math.max(s.opacity ?? 1, theme.minOpacity));
  const common: uPlot.Series = {
    label: s.label,
    scale: s.axis === 'y2' ? 'y2' : 'y',
    spanGaps: true,
    value: (u, v, si, idx) => formatValue(idx === null && latestInLegend ? latest(u.data[si]) : v, s.format ?? 'number'),
  };
  switch (s.style) {
    case 'points':
      return { ...common, stroke: color, width: 0, paths: noPath, points: { show: true, size: 10 * theme.lineScale, width: 2, stroke: theme.background, fill: color } };
    case 'edge':
      // Drawn only through its band (a series fill would paint down to zero); it stays in the legend for
      // its hover value.
      return { ...common, stroke: withAlpha(color, 0.5), width: 0, points: { show: false } };
    case 'step':
      return { ...common, stroke, width: (s.width ?? 1.5) * theme.lineScale, paths: steppedPath, points: { show: false } };
    case 'line':
      return {
        ...common,
        stroke,
        width: (s.width ?? 1.5) * theme.lineScale,
        dash: s.dash,
        points: s.markers ? { show: true, size: 8 * theme.lineScale, width: 2, stroke: color, fill: theme.background } : { show: false },
      };
  }
}

/** Legend marker colours: a swatch of the band for band edges, a dot colour for markers, the line colour otherwise. */
function legendMarkers(spec: ChartSpec, theme: Theme): uPlot.Legend['markers'] {
  const colorOf = (i: number) => {
    const s = spec.series[i - 1];
    return s ? theme.palette[s.color % theme.palette.length] : theme.foreground;
  };
  return {
    width: 2,
    stroke: (_u, i) => {
      const s = spec.series[i - 1];
      return s?.style === 'edge' ? withAlpha(colorOf(i), 0.5) : withAlpha(colorOf(i), s?.opacity ?? 1);
    },
    fill: (_u, i) => {
      const s = spec.series[i - 1];
      if (s?.style === 'edge') return withAlpha(colorOf(i), 0.3);
      if (s?.style === 'points') return colorOf(i);
      return 'transparent';
    },
  };
}

/** Axis tick labels; uPlot passes null for ticks it leaves unlabelled (minor log-scale ticks). */
function tickLabels(format: ValueFormat, floor = -Infinity): uPlot.Axis.DynamicValues {
  return (_u, splits) => splits.map((v) => (v === null || v === undefined || v < floor ? '' : formatValue(v, format)));
}

function integerSplits(min: number, max: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(min); k <= Math.floor(max); k++) out.push(k);
  return out;
}

function yScaleOptions(scale: YScale, yMin: number | undefined, yBounds: [number, number] | undefined): uPlot.Scale {
  if (scale === 'linear' && yBounds) return { range: (_u, min, max) => boundedRange(min, max, yBounds) };
  if (scale === 'log') return { distr: 3, log: 10 };
  if (scale === 'asinh') {
    // Densities and counts cannot go below their floor: start there, end at the next power of ten.
    if (yMin !== undefined) return { distr: 4, log: 10, asinh: 1, range: (_u, _min, max) => [yMin, max > yMin ? 10 ** Math.ceil(Math.log10(max)) : yMin + 1] };
    return { distr: 4, log: 10, asinh: 1 };
  }
  if (yMin !== undefined) return { range: (_u, _min, max) => [yMin, max > yMin ? max * 1.05 : yMin + 1] };
  return {};
}

export function plotOptions(spec: ChartSpec, theme: Theme, size: { width: number; height: number }, handlers: PlotHandlers): uPlot.Options {
  const font = `${theme.fontSize}px ${theme.fontFamily}`;
  const labelFont = `${theme.fontSize}px ${theme.fontFamily}`;
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: theme.muted,
    font,
    labelFont,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1, size: 4 },
  });
  const axes: uPlot.Axis[] = [
    // A log2 batch-size axis has a tick at every power of two and none between (they would be unlabelled).
    spec.xFormat === 'pow2' ? { ...axis(spec.xLabel), values: tickLabels('pow2'), splits: (_u, _i, min, max) => integerSplits(min, max) } : { ...axis(spec.xLabel), values: tickLabels(spec.xFormat) },
    {
      ...axis(spec.yLabel),
      // uPlot's asinh ticks run symmetric around zero, so a scale starting at a floor still gets labels
      // below it (drawn under the plot): leave those blank.
      values: tickLabels('number', spec.yScale === 'asinh' ? spec.yMin : undefined),
      size: 60,
    },
  ];
  const scales: uPlot.Scales = { x: { time: false }, y: yScaleOptions(spec.yScale, spec.yMin, spec.yBounds) };
  if (spec.xRange) {
    const [lo, hi] = spec.xRange;
    scales.x = { time: false, range: () => [lo, hi] };
  }
  if (spec.series.some((s) => s.axis === 'y2')) {
    scales.y2 = {};
    axes.push({ ...axis(spec.y2Label ?? ''), scale: 'y2', side: 1, grid: { show: false }, values: tickLabels('number'), size: 56 });
  }
  return {
    width: size.width,
    height: size.height,
    series: [
      { label: spec.xLabel, value: (_u, v, _si, idx) => (idx === null && spec.latestInLegend ? 'latest' : formatValue(v, spec.xFormat)) },
      ...spec.series.map((s) => seriesOptions(s, theme, spec.latestInLegend ?? false)),
    ],
    bands: spec.bands.map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: withAlpha(theme.palette[b.color % theme.palette.length], b.opacity) })),
    scales,
    axes,
    legend: { live: true, markers: legendMarkers(spec, theme) },
    cursor: {
      // The drag selects; the app decides the zoom (and re-downsamples the new window at full detail).
      drag: { x: true, y: false, setScale: false },
      bind: {
        dblclick: () => () => {
          handlers.onZoom(null);
          return null;
        },
      },
    },
    hooks: {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width > 3) {
            const min = u.posToVal(left, 'x');
            const max = u.posToVal(left + width, 'x');
            if (max > min) handlers.onZoom({ min, max });
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        },
      ],
    },
  };
}

/** Everything that needs a new uPlot instance rather than new data: series layout, scales, theme. */
export function structureKey(spec: ChartSpec, theme: Theme, height: number): string {
  return JSON.stringify({
    id: spec.id,
    s: spec.series.map((s) => [s.label, s.color, s.style, s.width, s.dash, s.markers, s.opacity, s.axis, s.format]),
    b: spec.bands,
    y: spec.yScale,
    xl: spec.xLabel,
    xf: spec.xFormat,
    xr: spec.xRange,
    theme,
    height,
  });
}
