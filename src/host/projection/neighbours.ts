/**
 * Nearest neighbours of one clicked point by cosine similarity on the high-dimensional vectors. One query
 * is O(n·d) (≈ 5 M multiply-adds for 10 000 × 512, a few milliseconds), cheap enough for the host to answer
 * a click directly; row norms are computed once per snapshot and reused.
 */

export class CosineIndex {
  private readonly norms: Float64Array;

  constructor(readonly vectors: Float32Array, readonly count: number, readonly dim: number) {
    if (vectors.length !== count * dim) throw new Error(`CosineIndex: ${vectors.length} values for ${count} × ${dim}`);
    this.norms = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let t = 0, o = i * dim; t < dim; t++) s += vectors[o + t] * vectors[o + t];
      this.norms[i] = Math.sqrt(s);
    }
  }

  /** The k most similar other points to `point`, most similar first. */
  query(point: number, k: number): { neighbours: Int32Array; similarities: Float32Array } {
    const { vectors, count, dim, norms } = this;
    if (!Number.isInteger(point) || point < 0 || point >= count) throw new Error(`point ${point} is outside 0..${count - 1}`);
    const kk = Math.max(0, Math.min(k, count - 1));
    const idx = new Int32Array(kk);
    const sim = new Float64Array(kk).fill(-Infinity);
    const q = point * dim;
    const qn = norms[point] || 1;
    for (let j = 0; j < count; j++) {
      if (j === point) continue;
      let s = 0;
      for (let t = 0, o = j * dim; t < dim; t++) s += vectors[q + t] * vectors[o + t];
      s /= qn * (norms[j] || 1);
      if (kk === 0 || s <= sim[kk - 1]) continue;
      let pos = kk - 1;
      while (pos > 0 && sim[pos - 1] < s) {
        sim[pos] = sim[pos - 1];
        idx[pos] = idx[pos - 1];
        pos--;
      }
      sim[pos] = s;
      idx[pos] = j;
    }
    return { neighbours: idx, similarities: Float32Array.from(sim) };
  }
}
