/** Axis tick positions for the SVG export (uPlot computes its own on screen). */

/** About `count` round-numbered ticks (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  if (min > max) [min, max] = [max, min];
  const rough = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(rough));
  // The round step nearest to the rough one (by ratio), so the tick count stays close to `count`.
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((best, s) => (Math.abs(Math.log(s / rough)) < Math.abs(Math.log(best / rough)) ? s : best));
  const first = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten inside [min, max] (min > 0); adds 2× and 5× marks when fewer than three decades show. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return niceTicks(min, max);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const multipliers = hi - lo < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of multipliers) {
    const v = Number((m * 10 ** e).toPrecision(12));
    if (v >= min && v <= max) ticks.push(v);
  }
  return ticks.length ? ticks : niceTicks(min, max);
}

/** 0 and ±10^k inside [min, max]: the natural marks of an asinh axis. */
export function asinhTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  if (min <= 0 && max >= 0) ticks.push(0);
  // Below the linear threshold (|v| < 1) asinh is nearly linear: marks there would crowd around 0.
  for (let e = 0; e <= 9; e++) {
    const v = 10 ** e;
    if (v >= min && v <= max) ticks.push(v);
    if (-v >= min && -v <= max) ticks.push(-v);
  }
  ticks.sort((a, b) => a - b);
  return ticks.length >= 2 ? ticks : niceTicks(min, max);
}
