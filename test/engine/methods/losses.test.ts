import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import {
  byolSymmetricLoss,
  infoNceLoss,
  mixedInfoNceLoss,
  ntXentLoss,
  swavSwappedLoss,
} from '../../../src/engine/methods/losses';
import { sinkhornKnopp } from '../../../src/engine/methods/sinkhorn';

beforeAll(async () => {
  await useTestBackend({ preferWasm: false });
});

const rand = (shape: [number, number], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D;
const val = (t: tf.Tensor) => t.dataSync()[0];

describe('BYOL loss', () => {
  it('is symmetric in the views and 0 for identical directions', () => {
    const [p1, p2, z1, z2] = [rand([6, 8], 1), rand([6, 8], 2), rand([6, 8], 3), rand([6, 8], 4)];
    const a = val(byolSymmetricLoss(p1, p2, z1, z2));
    const b = val(byolSymmetricLoss(p2, p1, z2, z1));
    expect(a).toBeCloseTo(b, 6);
    expect(a).toBeGreaterThan(0.5);
    expect(val(byolSymmetricLoss(z2.mul(3), z1.mul(0.5), z1, z2))).toBeCloseTo(0, 5);
    // opposite directions give the maximum 2 + 2
    expect(val(byolSymmetricLoss(z2.neg(), z1.neg(), z1, z2))).toBeCloseTo(8, 5);
  });
});

describe('InfoNCE', () => {
  it('equals a hand-computed value', () => {
    // q = (1,0); k+ = (0.6,0.8); negatives (0,1) and (-1,0); T = 0.5
    const q = tf.tensor2d([[1, 0]]);
    const k = tf.tensor2d([[0.6, 0.8]]);
    const neg = tf.tensor2d([[0, 1], [-1, 0]]);
    const lp = 0.6 / 0.5;
    const l1 = 0 / 0.5;
    const l2 = -1 / 0.5;
    const expected = -lp + Math.log(Math.exp(lp) + Math.exp(l1) + Math.exp(l2));
    expect(val(infoNceLoss(q, k, neg, 0.5))).toBeCloseTo(expected, 5);
    // inputs are normalised inside: scaling changes nothing
    expect(val(infoNceLoss(q.mul(7), k.mul(0.1), neg.mul(2), 0.5))).toBeCloseTo(expected, 5);
  });

  it('UFT mixed loss reduces to InfoNCE when λ = 1 and mixes the two positives otherwise', () => {
    const q = rand([5, 4], 10);
    const k = rand([5, 4], 11);
    const neg = rand([7, 4], 12);
    const perm = [3, 0, 4, 1, 2];
    const plain = val(infoNceLoss(q, k, neg, 0.2));
    expect(val(mixedInfoNceLoss(q, k, perm, neg, 0.2, 1))).toBeCloseTo(plain, 5);
    const kb = tf.gather(k, tf.tensor1d(perm, 'int32')) as tf.Tensor2D;
    const other = val(infoNceLoss(q, kb, neg, 0.2));
    expect(val(mixedInfoNceLoss(q, k, perm, neg, 0.2, 0))).toBeCloseTo(other, 5);
    expect(val(mixedInfoNceLoss(q, k, perm, neg, 0.2, 0.3))).toBeCloseTo(0.3 * plain + 0.7 * other, 5);
  });
});

describe('NT-Xent', () => {
  it('is symmetric in the views and matches a direct computation', () => {
    const z1 = rand([4, 3], 20);
    const z2 = rand([4, 3], 21);
    const a = val(ntXentLoss(z1, z2, 0.5));
    expect(val(ntXentLoss(z2, z1, 0.5))).toBeCloseTo(a, 5);
    // direct: loop over the 2N anchors
    const z = [...(z1.arraySync() as number[][]), ...(z2.arraySync() as number[][])].map((r) => {
      const n = Math.hypot(...r);
      return r.map((x) => x / n);
    });
    const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i], 0);
    let total = 0;
    for (let i = 0; i < 8; i++) {
      const pos = (i + 4) % 8;
      let den = 0;
      for (let j = 0; j < 8; j++) if (j !== i) den += Math.exp(dot(z[i], z[j]) / 0.5);
      total += -dot(z[i], z[pos]) / 0.5 + Math.log(den);
    }
    expect(a).toBeCloseTo(total / 8, 4);
  });
});

describe('Sinkhorn-Knopp and SwAV', () => {
  it('returns codes with rows summing to 1 and near-equal prototype mass', () => {
    const scores = tf.tidy(() => {
      const z = rand([32, 8], 30);
      const c = rand([6, 8], 31);
      return tf.matMul(z.div(z.norm('euclidean', 1, true)), c.div(c.norm('euclidean', 1, true)), false, true) as tf.Tensor2D;
    });
    const q = sinkhornKnopp(scores, 0.05, 3);
    const rows = q.sum(1).arraySync() as number[];
    for (const r of rows) expect(r).toBeCloseTo(1, 4);
    // three iterations already move the prototype mass toward B/P compared with a plain softmax
    const spread = (t: tf.Tensor2D) => tf.sub(t.sum(0), 32 / 6).abs().max().dataSync()[0];
    expect(spread(q)).toBeLessThan(spread(tf.softmax(scores.div(0.05)) as tf.Tensor2D));
    expect(q.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
    // more iterations tighten the column marginals
    const q10 = sinkhornKnopp(scores, 0.05, 100);
    for (const c of q10.sum(0).arraySync() as number[]) expect(c).toBeCloseTo(32 / 6, 1);
    expect(() => sinkhornKnopp(scores, 0, 3)).toThrow(/epsilon/);
  });

  it('swapped loss is the cross-entropy between codes and softmax scores', () => {
    const codes = tf.tensor2d([[1, 0], [0.5, 0.5]]);
    const scores = tf.tensor2d([[0.2, -0.1], [0, 0.3]]);
    const lsm = (a: number, b: number, t: number) => {
      const m = Math.log(Math.exp(a / t) + Math.exp(b / t));
      return [a / t - m, b / t - m];
    };
    const r0 = lsm(0.2, -0.1, 0.1);
    const r1 = lsm(0, 0.3, 0.1);
    const expected = -(r0[0] + 0.5 * r1[0] + 0.5 * r1[1]) / 2;
    expect(val(swavSwappedLoss(codes, scores, 0.1))).toBeCloseTo(expected, 4);
  });
});
