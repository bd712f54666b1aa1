/**
 * Vector export of a chart: the same ChartSpec the screen draws, rendered as standalone SVG with the theme's
 * colours, over the x/y window currently shown (so an exported zoom stays zoomed).
 */
import { boundedRange, type ChartSpec, type SeriesSpec, type YScale } from './chartSpec';
import { formatValue } from './format';
import { asinhTicks, logTicks, niceTicks } from './ticks';

export interface SvgTheme {
  background: string;
  foreground: string;
  grid: string;
  fontFamily: string;
  fontSize: number;
  palette: readonly string[];
}

export interface SvgView {
  x: [number, number];
  y: [number, number];
  y2?: [number, number];
}

export interface SvgSize {
  width: number;
  height: number;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function transform(scale: YScale): (v: number) => number {
  if (scale === 'log') return (v) => (v > 0 ? Math.log10(v) : NaN);
  if (scale === 'asinh') return Math.asinh;
  return (v) => v;
}

function ticksFor(scale: YScale, [min, max]: [number, number]): number[] {
  if (scale === 'log') return logTicks(min, max);
  if (scale === 'asinh') return asinhTicks(min, max);
  return niceTicks(min, max);
}

/** Finite data extent of the spec, padded 5 % vertically, for exports made without a live chart. */
export function dataView(spec: ChartSpec): SvgView {
  let x0 = Infinity;
  let x1 = -Infinity;
  for (let i = 0; i < spec.x.length; i++) {
    if (Number.isFinite(spec.x[i])) {
      x0 = Math.min(x0, spec.x[i]);
      x1 = Math.max(x1, spec.x[i]);
    }
  }
  const extent = (axis: 'y' | 'y2'): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of spec.series) {
      if ((s.axis ?? 'y') !== axis) continue;
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        if (v !== null && Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (axis === 'y' && spec.yBounds && spec.yScale === 'linear') return boundedRange(lo, hi, spec.yBounds);
    if (!Number.isFinite(lo)) return [0, 1];
    if (axis === 'y' && spec.yMin !== undefined) lo = Math.min(lo, spec.yMin);
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
    return [spec.yMin !== undefined && axis === 'y' ? lo : lo - pad, hi + pad];
  };
  return {
    x: spec.xRange ?? (Number.isFinite(x0) ? [x0, x1 > x0 ? x1 : x0 + 1] : [0, 1]),
    y: extent('y'),
    y2: spec.series.some((s) => s.axis === 'y2') ? extent('y2') : undefined,
  };
}

export function chartSvg(spec: ChartSpec, theme: SvgTheme, size: SvgSize, view: SvgView): string {
  const font = theme.fontSize;
  const legendRows = legendLayout(spec.series, size.width - 24, font);
  const m = { left: 64, right: spec.y2Label ? 64 : 20, top: font * 2.4, bottom: font * 3.6 + legendRows.length * font * 1.5 };
  const pw = Math.max(10, size.width - m.left - m.right);
  const ph = Math.max(10, size.height - m.top - m.bottom);
  const ty = transform(spec.yScale);
  const [x0, x1] = view.x;
  const sx = (v: number) => m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const yScaleFn = (range: [number, number], t: (v: number) => number) => {
    const lo = t(range[0]);
    const hi = t(range[1]);
    return (v: number) => m.top + ph - ((t(v) - lo) / (hi - lo || 1)) * ph;
  };
  const sy = yScaleFn(view.y, ty);
  const sy2 = view.y2 ? yScaleFn(view.y2, (v) => v) : sy;
  const color = (slot: number) => theme.palette[slot % theme.palette.length];
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="${esc(theme.fontFamily)}" font-size="${font}">`);
  out.push(`<rect width="100%" height="100%" fill="${esc(theme.background)}"/>`);
  out.push(`<text x="${size.width / 2}" y="${font * 1.5}" text-anchor="middle" font-weight="600" fill="${esc(theme.foreground)}">${esc(spec.title)}</text>`);
  out.push(`<defs><clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath></defs>`);

  // Grid and axes.
  const xTicks = spec.xFormat === 'pow2' ? integerTicks(x0, x1) : niceTicks(x0, x1, Math.max(2, Math.round(pw / 90)));
  const yTicks = ticksFor(spec.yScale, view.y);
  const grid: string[] = [];
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    grid.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + font * 1.3}" text-anchor="middle" fill="${esc(theme.foreground)}">${esc(formatValue(t, spec.xFormat))}</text>`);
  }
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    grid.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" dy="0.35em" text-anchor="end" fill="${esc(theme.foreground)}">${esc(formatValue(t, 'number'))}</text>`);
  }
  if (view.y2) {
    for (const t of niceTicks(view.y2[0], view.y2[1])) {
      out.push(`<text x="${m.left + pw + 6}" y="${sy2(t).toFixed(1)}" dy="0.35em" fill="${esc(theme.foreground)}">${esc(formatValue(t, 'number'))}</text>`);
    }
  }
  out.push(`<g stroke="${esc(theme.grid)}" stroke-width="1">${grid.join('')}</g>`);
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="${esc(theme.grid)}"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + font * 2.8}" text-anchor="middle" fill="${esc(theme.foreground)}">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(${font * 1.2} ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="${esc(theme.foreground)}">${esc(spec.yLabel)}</text>`);
  if (spec.y2Label) out.push(`<text transform="translate(${size.width - font * 0.8} ${m.top + ph / 2}) rotate(90)" text-anchor="middle" fill="${esc(theme.foreground)}">${esc(spec.y2Label)}</text>`);

  // Bands, then series, clipped to the plot.
  out.push('<g clip-path="url(#plot)">');
  const px = (i: number) => sx(spec.x[i]);
  for (const band of spec.bands) {
    const up = spec.series[band.upper];
    const lo = spec.series[band.lower];
    const yOf = up.axis === 'y2' ? sy2 : sy;
    for (const [a, b] of segments(spec.x.length, (i) => finite(up.values[i]) && finite(lo.values[i]))) {
      const pts: string[] = [];
      for (let i = a; i <= b; i++) pts.push(`${px(i).toFixed(1)},${yOf(up.values[i] as number).toFixed(1)}`);
      for (let i = b; i >= a; i--) pts.push(`${px(i).toFixed(1)},${yOf(lo.values[i] as number).toFixed(1)}`);
      out.push(`<polygon points="${pts.join(' ')}" fill="${esc(color(band.color))}" fill-opacity="${band.opacity}"/>`);
    }
  }
  for (const s of spec.series) out.push(seriesSvg(s, spec.x, sx, s.axis === 'y2' ? sy2 : sy, color(s.color)));
  out.push('</g>');

  // Legend.
  let ly = m.top + ph + font * 4;
  for (const row of legendRows) {
    let lx = 12;
    for (const { s, width } of row) {
      const c = esc(color(s.color));
      out.push(s.style === 'points' ? `<circle cx="${lx + 8}" cy="${ly - font * 0.35}" r="4" fill="${c}"/>` : `<rect x="${lx}" y="${ly - font * 0.7}" width="16" height="${font * 0.7}" fill="${c}" fill-opacity="${s.style === 'edge' ? 0.3 : s.opacity ?? 1}"/>`);
      out.push(`<text x="${lx + 22}" y="${ly}" fill="${esc(theme.foreground)}">${esc(s.label)}</text>`);
      lx += width;
    }
    ly += font * 1.5;
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Whole numbers in [lo, hi]: the powers of two of a log2 batch-size axis. */
function integerTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) out.push(k);
  return out;
}

function finite(v: number | null | undefined): boolean {
  return v !== null && v !== undefined && Number.isFinite(v);
}

/** Maximal runs [a, b] of consecutive indices where `ok` holds. */
function segments(n: number, ok: (i: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && ok(i)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push([start, i - 1]);
      start = -1;
    }
  }
  return out;
}

function seriesSvg(s: SeriesSpec, x: ArrayLike<number>, sx: (v: number) => number, sy: (v: number) => number, color: string): string {
  if (s.style === 'edge') return '';
  const c = esc(color);
  if (s.style === 'points') {
    const dots: string[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (finite(v)) dots.push(`<circle cx="${sx(x[i]).toFixed(1)}" cy="${sy(v as number).toFixed(1)}" r="4.5" fill="${c}"/>`);
    }
    return dots.join('');
  }
  // Gaps (null) are spanned, as on screen: compared runs are aligned onto a shared x with nulls in between.
  const parts: string[] = [];
  let prevY: number | undefined;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (!finite(v)) continue;
    const X = sx(x[i]).toFixed(1);
    const Y = sy(v as number);
    if (prevY === undefined) parts.push(`M${X} ${Y.toFixed(1)}`);
    else if (s.style === 'step') parts.push(`H${X}V${Y.toFixed(1)}`);
    else parts.push(`L${X} ${Y.toFixed(1)}`);
    prevY = Y;
  }
  if (parts.length === 0) return '';
  const dash = s.dash ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
  const path = `<path d="${parts.join('')}" fill="none" stroke="${c}" stroke-width="${s.width ?? 1.5}" stroke-opacity="${s.opacity ?? 1}" stroke-linejoin="round"${dash}/>`;
  if (!s.markers) return path;
  const dots: string[] = [];
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (finite(v)) dots.push(`<circle cx="${sx(x[i]).toFixed(1)}" cy="${sy(v as number).toFixed(1)}" r="3.5" fill="${c}"/>`);
  }
  return path + dots.join('');
}

/** Legend entries wrapped into rows no wider than `maxWidth` (character widths estimated). */
function legendLayout(series: readonly SeriesSpec[], maxWidth: number, font: number): { s: SeriesSpec; width: number }[][] {
  const rows: { s: SeriesSpec; width: number }[][] = [[]];
  let used = 0;
  for (const s of series) {
    if (s.style === 'edge') continue; // band edges are described by the band itself
    const width = 22 + s.label.length * font * 0.6 + 18;
    if (used + width > maxWidth && rows[rows.length - 1].length > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push({ s, width });
    used += width;
  }
  return rows[0].length ? rows : [];
}
