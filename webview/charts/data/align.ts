/**
 * uPlot draws series that share one x array. Compared runs log at different steps (other batch sizes,
 * other logEvery) and certainly at different wall times, so their points are merged onto the union of
 * their x values with null where a run has no point (the series then span those gaps).
 */
import { lowerBound } from './downsample';

export interface XYSet {
  x: ArrayLike<number>;
  ys: ArrayLike<number>[];
}

export interface AlignedSets {
  x: Float64Array;
  /** One array per input y column, in input order (set by set). */
  ys: (ArrayLike<number> | (number | null)[])[];
}

function sameX(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function alignSets(sets: readonly XYSet[]): AlignedSets {
  if (sets.length === 0) return { x: new Float64Array(0), ys: [] };
  // Common case: every run logged at the same steps. No copying, no nulls.
  if (sets.every((s) => sameX(s.x, sets[0].x))) {
    return { x: Float64Array.from(sets[0].x), ys: sets.flatMap((s) => s.ys) };
  }
  const all: number[] = [];
  for (const s of sets) for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i])) all.push(s.x[i]);
  all.sort((p, q) => p - q);
  const union: number[] = [];
  for (const v of all) if (union.length === 0 || union[union.length - 1] !== v) union.push(v);
  const x = Float64Array.from(union);
  const ys: (number | null)[][] = [];
  for (const s of sets) {
    const columns = s.ys.map(() => new Array<number | null>(x.length).fill(null));
    for (let i = 0; i < s.x.length; i++) {
      const xi = s.x[i];
      if (!Number.isFinite(xi)) continue;
      const u = lowerBound(x, xi);
      s.ys.forEach((col, c) => {
        const v = col[i];
        columns[c][u] = Number.isFinite(v) ? v : null;
      });
    }
    ys.push(...columns);
  }
  return { x, ys };
}
