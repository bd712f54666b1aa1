/**
 * Barnes–Hut quadtree over 2-D points for t-SNE's repulsive forces. Built top-down each iteration by
 * partitioning a permutation of the point indices, so a leaf is a contiguous range of that permutation
 * (a leaf may hold several points when they coincide or the depth cap is hit).
 */

const MAX_DEPTH = 32;

/** Fields of one node, stored interleaved in a single Float64Array so a visit touches one cache line. */
const COM_X = 0, COM_Y = 1, SIZE = 2, SIDE2 = 3, FIRST_CHILD = 4, CHILDREN = 5, START = 6;
const STRIDE = 8;

export class QuadTree {
  private capacity = 0;
  private nodes = 0;
  private data = new Float64Array(0);
  private readonly order: Int32Array;
  private readonly scratch: Int32Array;
  private readonly stack: Int32Array;

  constructor(readonly n: number) {
    this.order = new Int32Array(n);
    this.scratch = new Int32Array(n);
    this.stack = new Int32Array(4 * MAX_DEPTH + 8);
    this.grow(Math.max(16, 2 * n));
  }

  private grow(capacity: number): void {
    const next = new Float64Array(capacity * STRIDE);
    next.set(this.data.subarray(0, this.nodes * STRIDE));
    this.data = next;
    this.capacity = capacity;
  }

  private alloc(count: number): number {
    if (this.nodes + count > this.capacity) this.grow(Math.max(this.capacity * 2, this.nodes + count));
    const first = this.nodes;
    this.nodes += count;
    return first;
  }

  /** Rebuilds the tree for y (n × 2 interleaved). */
  build(y: Float64Array): void {
    const n = this.n;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
      this.order[i] = i;
    }
    const side = Math.max(maxX - minX, maxY - minY, 1e-12) * (1 + 1e-9);
    this.nodes = 0;
    const root = this.alloc(1);
    this.fill(root, y, 0, n, minX, minY, side, 0);
  }

  private fill(node: number, y: Float64Array, lo: number, hi: number, x0: number, y0: number, side: number, depth: number): void {
    let sx = 0, sy = 0;
    for (let p = lo; p < hi; p++) {
      const i = this.order[p];
      sx += y[2 * i];
      sy += y[2 * i + 1];
    }
    const count = hi - lo;
    const o = node * STRIDE;
    const data = this.data;
    data[o + COM_X] = sx / count;
    data[o + COM_Y] = sy / count;
    data[o + SIZE] = count;
    data[o + SIDE2] = side * side;
    data[o + START] = lo;
    data[o + CHILDREN] = 0;
    if (count <= 1 || depth >= MAX_DEPTH) return;
    // Split into quadrants (0: low x low y, 1: high x low y, 2: low x high y, 3: high x high y).
    const half = side / 2;
    const mx = x0 + half, my = y0 + half;
    const bounds = [lo, lo, lo, lo, lo];
    const counts = [0, 0, 0, 0];
    for (let p = lo; p < hi; p++) {
      const i = this.order[p];
      counts[(y[2 * i] >= mx ? 1 : 0) + (y[2 * i + 1] >= my ? 2 : 0)]++;
    }
    if (counts[0] === count || counts[1] === count || counts[2] === count || counts[3] === count) {
      // Everything in one quadrant: if the points all coincide, stop; otherwise descend without branching.
      let same = true;
      const fx = y[2 * this.order[lo]], fy = y[2 * this.order[lo] + 1];
      for (let p = lo + 1; p < hi && same; p++) same = y[2 * this.order[p]] === fx && y[2 * this.order[p] + 1] === fy;
      if (same) return;
    }
    for (let q = 0; q < 4; q++) bounds[q + 1] = bounds[q] + counts[q];
    const cursor = bounds.slice(0, 4);
    for (let p = lo; p < hi; p++) {
      const i = this.order[p];
      this.scratch[cursor[(y[2 * i] >= mx ? 1 : 0) + (y[2 * i + 1] >= my ? 2 : 0)]++] = i;
    }
    this.order.set(this.scratch.subarray(lo, hi), lo);
    let children = 0;
    for (let q = 0; q < 4; q++) if (counts[q] > 0) children++;
    const first = this.alloc(children); // may reallocate this.data: write through this.data below
    this.data[o + FIRST_CHILD] = first;
    this.data[o + CHILDREN] = children;
    let c = first;
    for (let q = 0; q < 4; q++) {
      if (counts[q] === 0) continue;
      this.fill(c++, y, bounds[q], bounds[q + 1], q & 1 ? mx : x0, q & 2 ? my : y0, half, depth + 1);
    }
  }

  /**
   * Repulsive force on point i: accumulates Σ_j q_ij² (y_i − y_j) into out[0..1] (unnormalised, q = 1/(1 + d²))
   * and returns Σ_j q_ij, both over j ≠ i, with cells of side/distance < theta taken as one body.
   */
  repulsion(y: Float64Array, i: number, theta: number, out: Float64Array): number {
    const xi = y[2 * i], yi = y[2 * i + 1];
    const theta2 = theta * theta;
    const data = this.data;
    const stack = this.stack;
    let fx = 0, fy = 0, sumQ = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const o = stack[--top] * STRIDE;
      const dx = xi - data[o + COM_X], dy = yi - data[o + COM_Y];
      const d2 = dx * dx + dy * dy;
      const children = data[o + CHILDREN];
      if (children === 0) {
        // Leaf: one point, or coincident points (or the depth cap); treat each exactly.
        const lo = data[o + START], hi = lo + data[o + SIZE];
        for (let p = lo; p < hi; p++) {
          const j = this.order[p];
          if (j === i) continue;
          const ex = xi - y[2 * j], ey = yi - y[2 * j + 1];
          const q = 1 / (1 + ex * ex + ey * ey);
          sumQ += q;
          fx += q * q * ex;
          fy += q * q * ey;
        }
      } else if (data[o + SIDE2] < theta2 * d2) {
        const q = 1 / (1 + d2);
        const m = data[o + SIZE];
        sumQ += m * q;
        fx += m * q * q * dx;
        fy += m * q * q * dy;
      } else {
        if (top + children > stack.length) throw new Error('QuadTree: traversal stack overflow');
        const first = data[o + FIRST_CHILD];
        for (let c = 0; c < children; c++) stack[top++] = first + c;
      }
    }
    out[0] = fx;
    out[1] = fy;
    return sumQ;
  }
}
