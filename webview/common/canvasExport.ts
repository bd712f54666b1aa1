/**
 * PNG export of canvas charts. The plot canvas is transparent and holds neither the title nor the legend
 * (those are HTML), so the export paints them onto a new canvas around a copy of the plot.
 */

export interface LegendEntry {
  label: string;
  color: string;
}

export interface ComposeOptions {
  title: string;
  legend: readonly LegendEntry[];
  background: string;
  foreground: string;
  fontFamily: string;
  fontSize: number;
}

export function dataUrlToBytes(dataUrl: string): Uint8Array {
  const comma = dataUrl.indexOf(',');
  const binary = atob(dataUrl.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Title above, plot in the middle, legend rows below, all on the theme's background. Device-pixel sharp. */
export function composeChartPng(plot: HTMLCanvasElement, opts: ComposeOptions): Uint8Array {
  const ratio = plot.width / Math.max(1, plot.clientWidth || plot.width);
  const font = opts.fontSize * ratio;
  const pad = 12 * ratio;
  const measure = document.createElement('canvas').getContext('2d');
  if (!measure) throw new Error('canvas 2D context unavailable');
  measure.font = `${font}px ${opts.fontFamily}`;
  // Lay the legend out first: its height decides the canvas size.
  const rows: { entry: LegendEntry; x: number }[][] = [[]];
  let x = pad;
  for (const entry of opts.legend) {
    const w = font * 1.6 + measure.measureText(entry.label).width + pad * 1.5;
    if (x + w > plot.width - pad && rows[rows.length - 1].length) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1].push({ entry, x });
    x += w;
  }
  const legendRows = opts.legend.length ? rows.length : 0;
  const titleH = font * 2.2;
  const out = document.createElement('canvas');
  out.width = plot.width;
  out.height = Math.ceil(titleH + plot.height + legendRows * font * 1.6 + pad);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('canvas 2D context unavailable');
  ctx.fillStyle = opts.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = opts.foreground;
  ctx.textBaseline = 'middle';
  ctx.font = `600 ${font * 1.1}px ${opts.fontFamily}`;
  ctx.textAlign = 'center';
  ctx.fillText(opts.title, out.width / 2, titleH / 2);
  ctx.drawImage(plot, 0, titleH);
  ctx.font = `${font}px ${opts.fontFamily}`;
  ctx.textAlign = 'left';
  rows.forEach((row, r) => {
    const y = titleH + plot.height + font * 0.8 + r * font * 1.6;
    for (const { entry, x: lx } of row) {
      ctx.fillStyle = entry.color;
      ctx.fillRect(lx, y - font * 0.35, font * 1.1, font * 0.7);
      ctx.fillStyle = opts.foreground;
      ctx.fillText(entry.label, lx + font * 1.6, y);
    }
  });
  return dataUrlToBytes(out.toDataURL('image/png'));
}
