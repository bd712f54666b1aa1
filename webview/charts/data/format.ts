/** Number formatting shared by axes, read-outs, tables and exports. */
import type { ValueFormat } from './chartSpec';

/** Four significant digits, switching to exponent form for very small or large magnitudes (learning rates). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs < 1e-3 || abs >= 1e6) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '−' : '';
  let s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${pad(m)}:${pad(s)}` : `${sign}${m}:${pad(s)}`;
}

/** A value already in percent (e.g. 85.23) with one decimal. */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v.toFixed(1)}%`;
}

export function formatInteger(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}

/** 2^v for a whole v (a batch size on a log2 axis); no label between the powers of two. */
export function formatPow2(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const k = Math.round(v);
  return Math.abs(v - k) < 1e-9 ? formatInteger(2 ** k) : '';
}

export function formatValue(v: number | null | undefined, format: ValueFormat = 'number'): string {
  switch (format) {
    case 'percent':
      return formatPercent(v);
    case 'integer':
      return formatInteger(v);
    case 'duration':
      return formatDuration(v);
    case 'number':
      return formatNumber(v);
    case 'pow2':
      return formatPow2(v);
  }
}
