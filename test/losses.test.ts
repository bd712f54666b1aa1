import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './helpers/paths';
import * as tf from '@tensorflow/tfjs';
import {
  anchorLosses,
  contrastiveLoss,
  dcl,
  dclw,
  dclwWeights,
  infoNCE,
  l2Normalize,
  npcMultiplier,
  anchorTerms,
  disposeLossCaches,
  PLAIN_LSE_MAX_INV_TEMPERATURE,
} from '../src/trainer/losses';
import type { LossKind } from '../src/shared/protocol';
import { assertAllClose, assertClose, randomMatrix, seededNormal, useCpu } from './helpers/tf';
import { readJson } from './helpers/json';

interface Vector {
  name: string;
  temperature: number;
  sigma: number;
  z1: number[][];
  z2: number[][];
  infonce: number;
  dcl: number;
  dclw: number;
  npc: number[];
}
const VECTORS = readJson<Vector[]>(fixture('loss_vectors.json'));

function lossValue(kind: LossKind, z1: number[][], z2: number[][], temperature: number, sigma = 0.5): number {
  return tf.tidy(() => contrastiveLoss(kind, tf.tensor2d(z1), tf.tensor2d(z2), { temperature, sigma }).dataSync()[0]);
}

describe('contrastive losses against the float64 reference (lightly conventions)', () => {
  before(useCpu);
  for (const v of VECTORS) {
    it(`${v.name}: InfoNCE, DCL, DCLW and NPC agree to 1e-4 relative`, () => {
      assertClose(lossValue('infonce', v.z1, v.z2, v.temperature), v.infonce, 1e-4, 1e-6, 'infonce');
      assertClose(lossValue('dcl', v.z1, v.z2, v.temperature), v.dcl, 1e-4, 1e-5, 'dcl');
      assertClose(lossValue('dclw', v.z1, v.z2, v.temperature, v.sigma), v.dclw, 1e-4, 1e-5, 'dclw');
      const q = tf.tidy(() => npcMultiplier(tf.tensor2d(v.z1), tf.tensor2d(v.z2), v.temperature).dataSync());
      assertAllClose(q, v.npc, 1e-4, 1e-7, 'npc');
    });
  }
});

describe('hand-checked small cases', () => {
  before(useCpu);
  it('N = 2 orthogonal embeddings: every logit is 0 or 1/τ, losses follow by hand', () => {
    // z1 = [e1, e2], z2 = [e1, e2]: positives have cos 1, all negatives cos 0 (e1·e2 = 0, and each anchor's
    // negatives are the other sample's two views). τ = 1: pos = 1, two negatives of 0.
    const z1 = [[1, 0], [0, 1]];
    const z2 = [[2, 0], [0, 3]]; // scale must not matter
    const logNeg = Math.log(2);
    assertClose(lossValue('dcl', z1, z2, 1), -1 + logNeg, 1e-6, 0, 'dcl');
    assertClose(lossValue('infonce', z1, z2, 1), -1 + Math.log(Math.E + 2), 1e-6, 0, 'infonce');
    // Every pair has the same positive similarity, so softmax is uniform (1/N) and w = 2 − N/N = 1: DCLW = DCL.
    assertClose(lossValue('dclw', z1, z2, 1), -1 + logNeg, 1e-6, 0, 'dclw');
    const q = tf.tidy(() => npcMultiplier(tf.tensor2d(z1), tf.tensor2d(z2), 1).dataSync());
    assertAllClose(q, [2 / (Math.E + 2), 2 / (Math.E + 2), 2 / (Math.E + 2), 2 / (Math.E + 2)], 1e-6, 0, 'npc');
  });

  it('infoNCE/dcl/dclw shorthands equal contrastiveLoss', () => {
    const rnd = seededNormal(3);
    const a = tf.tensor2d(randomMatrix(5, 4, rnd));
    const b = tf.tensor2d(randomMatrix(5, 4, rnd));
    assertClose(infoNCE(a, b, 0.2).dataSync()[0], lossValue('infonce', a.arraySync(), b.arraySync(), 0.2), 1e-6);
    assertClose(dcl(a, b, 0.2).dataSync()[0], lossValue('dcl', a.arraySync(), b.arraySync(), 0.2), 1e-6);
    assertClose(dclw(a, b, 0.2, 0.7).dataSync()[0], lossValue('dclw', a.arraySync(), b.arraySync(), 0.2, 0.7), 1e-6);
  });

  it('DCLW weights are 2 − N·softmax(cos/σ) and average to 1', () => {
    const w = tf.tidy(() => {
      const z1 = l2Normalize(tf.tensor2d([[1, 0], [1, 0], [0, 1]]));
      const z2 = l2Normalize(tf.tensor2d([[1, 0], [0, 1], [0, 1]]));
      return dclwWeights(z1, z2, 0.5).dataSync();
    });
    const e = [Math.exp(2), Math.exp(0), Math.exp(2)];
    const sum = e[0] + e[1] + e[2];
    assertAllClose(w, e.map((x) => 2 - (3 * x) / sum), 1e-6, 1e-7, 'w');
    assertClose((w[0] + w[1] + w[2]) / 3, 1, 1e-6);
  });

  it('rejects bad shapes and temperatures with clear messages', () => {
    const a = tf.tensor2d([[1, 0], [0, 1]]);
    assert.throws(() => contrastiveLoss('dcl', a, tf.tensor2d([[1, 0, 0], [0, 1, 0]])), /same shape/);
    assert.throws(() => contrastiveLoss('dcl', tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]])), /N ≥ 2/);
    assert.throws(() => contrastiveLoss('dcl', a, a, { temperature: 0 }), /temperature must be a positive/);
    assert.throws(() => contrastiveLoss('nope' as LossKind, a, a), /unknown loss "nope"/);
  });
});

describe('numerical stability in float32', () => {
  before(useCpu);
  it('τ = 0.01 with near-identical views (logits near 100) stays finite and correct', () => {
    const v = VECTORS.find((x) => x.name.startsWith('near-identical'))!;
    for (const kind of ['infonce', 'dcl', 'dclw'] as const) {
      const value = lossValue(kind, v.z1, v.z2, 0.01);
      assert.ok(Number.isFinite(value), `${kind} finite`);
    }
    // A naive exp() of logits ≈ 100 overflows float32 (e^100 > 3.4e38); prove the input really is that extreme.
    assert.ok(Math.exp(99) > 3.4e38);
  });

  it('fully collapsed embeddings give finite losses: log(2N−1) for InfoNCE, log(2N−2) for DCL', () => {
    const n = 16;
    const z = Array.from({ length: n }, () => [0.3, -1.2, 0.5, 2]);
    const tau = 0.1;
    // Every logit equals 1/τ, so InfoNCE = log(2N−1) and DCL = log(2N−2) exactly.
    assertClose(lossValue('infonce', z, z, tau), Math.log(2 * n - 1), 1e-5, 0, 'infonce');
    assertClose(lossValue('dcl', z, z, tau), Math.log(2 * n - 2), 1e-4, 0, 'dcl');
    assertClose(lossValue('dclw', z, z, tau), Math.log(2 * n - 2), 1e-4, 0, 'dclw');
    const q = tf.tidy(() => npcMultiplier(tf.tensor2d(z), tf.tensor2d(z), tau).dataSync());
    for (const x of q) assertClose(x, (2 * n - 2) / (2 * n - 1), 1e-5, 0, 'collapsed q');
  });

  it('the plain log-sum-exp (1/τ ≤ 50) and the max-shifted one (1/τ > 50) agree at the switch', () => {
    const v = VECTORS.find((x) => x.name.startsWith('near-identical'))!;
    const atSwitch = 1 / PLAIN_LSE_MAX_INV_TEMPERATURE;
    for (const kind of ['infonce', 'dcl', 'dclw'] as const) {
      const plain = lossValue(kind, v.z1, v.z2, atSwitch);
      const stable = lossValue(kind, v.z1, v.z2, atSwitch * (1 - 1e-7));
      assert.ok(Number.isFinite(plain) && Number.isFinite(stable));
      assertClose(plain, stable, 1e-4, 1e-5, `${kind} at τ = 1/50`);
    }
  });

  it('a zero embedding row does not produce NaN', () => {
    const value = lossValue('dcl', [[0, 0], [1, 0]], [[0, 1], [1, 1]], 0.1);
    assert.ok(Number.isFinite(value));
  });
});

describe('gradients', () => {
  before(useCpu);

  function finiteDifference(f: (x: number[][]) => number, x: number[][], h = 1e-3): number[][] {
    return x.map((row, i) =>
      row.map((_, j) => {
        const plus = x.map((r) => r.slice());
        const minus = x.map((r) => r.slice());
        plus[i][j] += h;
        minus[i][j] -= h;
        return (f(plus) - f(minus)) / (2 * h);
      }),
    );
  }

  // DCLW is checked below against finite differences of the loss with its weight held fixed (w has no gradient).
  for (const kind of ['infonce', 'dcl'] as const) {
    it(`${kind}: autodiff gradient matches central finite differences`, () => {
      const rnd = seededNormal(11);
      const z1 = randomMatrix(4, 3, rnd);
      const z2 = randomMatrix(4, 3, rnd);
      const tau = 0.5;
      const g = tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => contrastiveLoss(kind, a as tf.Tensor2D, b as tf.Tensor2D, { temperature: tau }))([
          tf.tensor2d(z1),
          tf.tensor2d(z2),
        ]).map((t) => t.arraySync() as number[][]),
      );
      // Float32 forward passes: h = 1e-2 keeps the difference quotient above rounding noise.
      const fd1 = finiteDifference((x) => lossValue(kind, x, z2, tau), z1, 1e-2);
      const fd2 = finiteDifference((x) => lossValue(kind, z1, x, tau), z2, 1e-2);
      assertAllClose(g[0].flat(), fd1.flat(), 2e-2, 2e-3, `${kind} dL/dz1`);
      assertAllClose(g[1].flat(), fd2.flat(), 2e-2, 2e-3, `${kind} dL/dz2`);
    });
  }

  it('DCLW weight carries no gradient: dL/dz equals that of the loss with w held constant', () => {
    const rnd = seededNormal(5);
    const z1 = tf.tensor2d(randomMatrix(5, 3, rnd));
    const z2 = tf.tensor2d(randomMatrix(5, 3, rnd));
    const tau = 0.3;
    const w = tf.tidy(() => dclwWeights(l2Normalize(z1), l2Normalize(z2), 0.5).arraySync());
    const wConst = tf.tensor1d([...w, ...w]);
    const withConst = (a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => {
        const { pos, logNeg } = anchorTerms(l2Normalize(a as tf.Tensor2D), l2Normalize(b as tf.Tensor2D), tau);
        return tf.mean(tf.sub(logNeg, tf.mul(wConst, pos))) as tf.Scalar;
      });
    const gRef = tf.grads(withConst)([z1, z2]).map((t) => Array.from(t.dataSync()));
    const gDclw = tf.grads((a: tf.Tensor, b: tf.Tensor) => contrastiveLoss('dclw', a as tf.Tensor2D, b as tf.Tensor2D, { temperature: tau }))([z1, z2]).map((t) =>
      Array.from(t.dataSync()),
    );
    assertAllClose(gDclw[0], gRef[0], 1e-5, 1e-6, 'dz1');
    assertAllClose(gDclw[1], gRef[1], 1e-5, 1e-6, 'dz2');
    const z1rows = z1.arraySync();
    const z2rows = z2.arraySync();
    const constLoss = (a: number[][], b: number[][]) => tf.tidy(() => withConst(tf.tensor2d(a), tf.tensor2d(b)).dataSync()[0]);
    assertAllClose(gDclw[0], finiteDifference((x) => constLoss(x, z2rows), z1rows, 1e-2).flat(), 2e-2, 2e-3, 'fd dz1');
    assertAllClose(gDclw[1], finiteDifference((x) => constLoss(z1rows, x), z2rows, 1e-2).flat(), 2e-2, 2e-3, 'fd dz2');
    // And the weight really matters: letting gradient flow through w would give a different answer.
    const gWithW = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => {
        const an = l2Normalize(a as tf.Tensor2D);
        const bn = l2Normalize(b as tf.Tensor2D);
        const { pos, logNeg } = anchorTerms(an, bn, tau);
        const wLive = tf.sub(2, tf.mul(5, tf.softmax(tf.div(tf.sum(tf.mul(an, bn), 1), 0.5))));
        return tf.mean(tf.sub(logNeg, tf.mul(tf.concat([wLive, wLive]), pos))) as tf.Scalar;
      }),
    )([z1, z2]).map((t) => Array.from(t.dataSync()));
    assert.ok(gWithW[0].some((g, i) => Math.abs(g - gDclw[0][i]) > 1e-3), 'the no-gradient weight changes the gradient');
  });

  it('closed form: for InfoNCE −∂ℓ_i/∂z2_i = (q_i/τ)·z1_i; for DCL the q factor is gone', () => {
    const rnd = seededNormal(23);
    const n = 6;
    const tau = 0.2;
    const z1n = tf.tidy(() => l2Normalize(tf.tensor2d(randomMatrix(n, 4, rnd))));
    const z2n = tf.tidy(() => l2Normalize(tf.tensor2d(randomMatrix(n, 4, rnd))));
    const q = tf.tidy(() => npcMultiplier(z1n, z2n, tau).dataSync());
    const z1rows = z1n.arraySync();
    for (const kind of ['infonce', 'dcl'] as const) {
      for (const i of [0, 3]) {
        // Gradient w.r.t. the already-normalised z2 (the "before normalisation" closed form), so the loss is
        // built from anchorTerms directly rather than through the normalising wrapper.
        const grad = tf.tidy(() =>
          tf.grad((b: tf.Tensor) => {
            const { pos, logNeg } = anchorTerms(z1n, b as tf.Tensor2D, tau);
            const li = kind === 'infonce' ? tf.softplus(tf.sub(logNeg, pos)) : tf.sub(logNeg, pos);
            return tf.gather(li, i);
          })(z2n).arraySync() as number[][],
        );
        const factor = kind === 'infonce' ? q[i] / tau : 1 / tau;
        assertAllClose(grad[i].map((g) => -g), z1rows[i].map((x) => factor * x), 1e-4, 1e-6, `${kind} anchor ${i}`);
      }
    }
    z1n.dispose();
    z2n.dispose();
  });
});

describe('memory', () => {
  before(useCpu);
  it('loss and gradient evaluation leave no tensors behind', () => {
    const rnd = seededNormal(1);
    const a = tf.tensor2d(randomMatrix(8, 4, rnd));
    const b = tf.tensor2d(randomMatrix(8, 4, rnd));
    const va = tf.variable(a);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => contrastiveLoss('dclw', va, b), [va]);
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => contrastiveLoss('infonce', x as tf.Tensor2D, y as tf.Tensor2D))([a, b]);
      g.forEach((t) => t.dispose());
      anchorLosses('dcl', a, b).dispose();
      npcMultiplier(a, b).dispose();
    };
    step(); // first call caches the masks for this N
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, before);
    a.dispose();
    b.dispose();
    va.dispose();
    disposeLossCaches();
  });
});
