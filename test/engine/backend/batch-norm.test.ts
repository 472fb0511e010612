/** The hand-written BatchNorm gradient against autodiff of the textbook formula, on wasm. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/index';
import { batchNormTrain } from '../../../src/engine/backend/batch-norm';

function reference(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number, axes: number[]): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  let d = 0;
  let s = 0;
  for (let i = 0; i < bv.length; i++) {
    d = Math.max(d, Math.abs(av[i] - bv[i]));
    s = Math.max(s, Math.abs(bv[i]));
  }
  return d / s;
}

describe('batchNormTrain', () => {
  it.each([
    [[6, 5, 4, 3], undefined],
    [[16, 7], undefined],
    [[2, 3, 4, 4, 5], [1, 2, 3]], // shuffle-BN groups: [G, n, H, W, C]
  ] as const)('matches autodiff for shape %j', async (shape, axes) => {
    await initBackend({ force: 'wasm' });
    const ax = axes ? [...axes] : [...Array(shape.length - 1).keys()];
    const c = shape[shape.length - 1];
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([...shape], 0, 1, 'float32', 3), 2), 0.5);
      const g = tf.randomNormal([c], 1, 0.2, 'float32', 4);
      const b = tf.randomNormal([c], 0, 0.2, 'float32', 5);
      const w = tf.randomNormal([...shape], 0, 1, 'float32', 6); // a loss that weights every output differently
      const loss = (f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(f(xi, gi, bi)), w)) as tf.Scalar;
      const mine = tf.grads(loss((xi, gi, bi) => batchNormTrain(xi, gi, bi, 1e-5, axes ? [...axes] : undefined).y))([x, g, b]);
      const ref = tf.grads(loss((xi, gi, bi) => reference(xi, gi, bi, 1e-5, ax)))([x, g, b]);
      for (let i = 0; i < 3; i++) expect(maxRel(mine[i], ref[i])).toBeLessThan(1e-4);
      const out = batchNormTrain(x, g, b, 1e-5, axes ? [...axes] : undefined, true);
      expect(maxRel(out.y, reference(x, g, b, 1e-5, ax))).toBeLessThan(1e-5);
      const m = tf.moments(x, ax, true);
      expect(maxRel(out.mean!, m.mean)).toBeLessThan(1e-5);
      expect(maxRel(out.variance!, m.variance)).toBeLessThan(1e-5);
    });
  });

  it('leaks no tensors across repeated gradient steps', async () => {
    await initBackend({ force: 'wasm' });
    const x = tf.randomNormal([8, 4, 4, 3]);
    const g = tf.variable(tf.ones([3]));
    const b = tf.variable(tf.zeros([3]));
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormTrain(x, g, b, 1e-5).y)) as tf.Scalar, [g, b]);
        g.assign(tf.sub(g, tf.mul(grads[g.name], 0.01)));
      });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, g, b]);
  });
});
