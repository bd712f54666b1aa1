/** How matmul, conv and reductions choose their route: plans, costs, residues and patch limits. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { residues } from '../../src/trainer/fastWasm/conv2dBackpropInput';
import { foldCosts, isTrailingBlock, MIN_MACS_PER_BATCH_ENTRY, planMatMul } from '../../src/trainer/fastWasm/matmul';
import { useFastWasm } from './harness';

useFastWasm();

describe('planning', () => {
  test('planMatMul picks the rewrite per batch layout and leaves unsupported broadcasts to stock', () => {
    assert.equal(planMatMul([3, 5], [5, 7], false, false).kind, 'fold');
    assert.equal(planMatMul([4, 3, 5], [1, 5, 7], false, false).kind, 'fold');
    assert.equal(planMatMul([1, 3, 5], [4, 5, 7], false, false).kind, 'spread');
    assert.equal(planMatMul([4, 40, 30], [4, 30, 35], false, false).kind, 'perEntry');
    assert.equal(planMatMul([4, 20, 30], [4, 30, 25], false, false).kind, 'small');
    assert.equal(planMatMul([4, 3, 5], [4, 5, 7], false, false).kind, 'small');
    assert.ok(3 * 5 * 7 < MIN_MACS_PER_BATCH_ENTRY);
    assert.equal(planMatMul([2, 1, 3, 5], [1, 3, 5, 7], false, false).kind, 'stock');
    assert.equal(planMatMul([3, 5], [6, 7], false, false).kind, 'stock');
    assert.deepEqual((planMatMul([2, 3, 6, 5], [5, 4], false, false) as { outShape: number[] }).outShape, [2, 3, 6, 4]);
  });

  test('the swapped form is chosen where it copies less (A·Bᵀ with short A), never for plain A·B', () => {
    const zzT = planMatMul([256, 1024], [1024, 1024], false, true);
    assert.equal(zzT.kind === 'fold' && zzT.swap, true);
    const plain = planMatMul([256, 1024], [1024, 1024], false, false);
    assert.equal(plain.kind === 'fold' && plain.swap, false);
    const dw = planMatMul([256, 1024], [256, 1024], true, false);
    assert.equal(dw.kind === 'fold' && dw.swap, false);
    const c = foldCosts(256, 1024, 1024, 1, false, true);
    assert.ok(c.swapped < c.direct);
  });

  test('isTrailingBlock', () => {
    assert.equal(isTrailingBlock([7], [2, 3, 7]), true);
    assert.equal(isTrailingBlock([1, 3, 7], [2, 3, 7]), true);
    assert.equal(isTrailingBlock([3, 1], [2, 3, 7]), false);
  });

  test('conv residues cover every filter tap exactly once', () => {
    for (const [size, k, s, pad] of [[7, 3, 2, 1], [9, 5, 3, 2], [8, 1, 2, 0], [7, 2, 2, 0]]) {
      const rs = residues(size, Math.ceil(size / s), k, s, pad);
      assert.equal(rs.reduce((n, r) => n + r.taps, 0), k, `size ${size} k ${k} s ${s}`);
    }
  });
});
