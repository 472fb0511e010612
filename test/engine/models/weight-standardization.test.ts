/**
 * Issue 25: weight standardisation (BiT's StdConv2d) has a hand-written gradient,
 * dw = (dy − mean(dy) − y·mean(dy·y)) / σ, so that the backward pass keeps y and σ only instead
 * of the autodiffed formula's kernel-sized intermediates. These tests pin the forward values to
 * the plain formula, the gradient to the plain formula's autodiff gradient (constant and random
 * upstream gradients, a few kernel shapes and eps values), and a flat tensor count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { standardizeKernel, stdConv2d } from '../../../src/engine/models/layers';

beforeAll(async () => {
  await useTestBackend();
});

/** The formula as written, differentiated by tfjs. */
function plain(kernel: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(kernel, [0, 1, 2], true);
  return tf.div(tf.sub(kernel, mean), tf.sqrt(tf.add(variance, eps)));
}

/** max |a − b| / max |b| */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / tf.max(tf.abs(b)).dataSync()[0]);
}

// HWIO kernels: a 1×1 projection, a 3×3 conv, BiT's 7×7 root, one with a single input channel
const SHAPES: [number, number, number, number][] = [[1, 1, 16, 8], [3, 3, 4, 6], [7, 7, 3, 5], [3, 3, 1, 2]];
// BiT's 1e-10, a common 1e-5, and 1, where a misplaced eps in the gradient would show
const EPS = [1e-10, 1e-5, 1];

describe('standardizeKernel (weight standardisation, custom gradient)', () => {
  it('forward values equal the plain formula, and each filter has zero mean and unit variance', () => {
    SHAPES.forEach((shape, i) => {
      for (const eps of EPS) {
        tf.tidy(() => {
          const k = tf.randomNormal(shape, 0.3, 2, 'float32', 100 + i);
          const y = standardizeKernel(k, eps);
          expect(y.shape).toEqual(shape);
          expect(Array.from(y.dataSync())).toEqual(Array.from(plain(k, eps).dataSync()));
          const { mean, variance } = tf.moments(y, [0, 1, 2]);
          for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-5);
          if (eps < 1e-4) for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 4);
        });
      }
    });
  });

  it('gradient w.r.t. the kernel equals the autodiff gradient of the plain formula (random upstream gradients)', () => {
    SHAPES.forEach((shape, i) => {
      for (const eps of EPS) {
        tf.tidy(() => {
          const k = tf.randomNormal(shape, -0.2, 0.7, 'float32', 200 + i);
          const dy = tf.randomNormal(shape, 0, 1, 'float32', 300 + i);
          // tf.grad(f)(x, dy): vector-Jacobian product with the upstream gradient dy
          const ours = tf.grad((w: tf.Tensor) => standardizeKernel(w, eps))(k, dy);
          const ref = tf.grad((w: tf.Tensor) => plain(w, eps))(k, dy);
          expect(ours.shape).toEqual(shape);
          expect(relErr(ours, ref)).toBeLessThan(1e-5);
        });
      }
    });
  });

  it('gradient through a loss of a weight-standardised convolution matches (constant upstream of a scalar loss)', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
      const k = tf.randomNormal([3, 3, 4, 8], 0, 0.5, 'float32', 8);
      const t = tf.randomNormal([2, 6, 6, 8], 0, 1, 'float32', 9);
      const loss = (std: (w: tf.Tensor) => tf.Tensor) => (w: tf.Tensor) =>
        tf.mean(tf.square(tf.sub(tf.conv2d(x, std(w) as tf.Tensor4D, 1, 1), t)));
      const ours = tf.grad(loss((w) => standardizeKernel(w, 1e-10)))(k);
      const ref = tf.grad(loss((w) => plain(w, 1e-10)))(k);
      expect(relErr(ours, ref)).toBeLessThan(1e-5);
      // stdConv2d is the same op
      const viaConv = tf.grad((w: tf.Tensor) => tf.mean(tf.square(tf.sub(stdConv2d(x, w, { padding: 1 }), t))))(k);
      expect(relErr(viaConv, ref)).toBeLessThan(1e-5);
      // a constant upstream gradient (the sum of y) has zero gradient: each filter's y sums to 0
      const ofSum = tf.grad((w: tf.Tensor) => tf.sum(standardizeKernel(w)))(k);
      expect(tf.max(tf.abs(ofSum)).dataSync()[0]).toBeLessThan(1e-5);
    });
  });

  it('keeps the tensor count flat across gradient evaluations (saved y and σ are freed)', () => {
    const w = tf.variable(tf.randomNormal([3, 3, 4, 8], 0, 0.5, 'float32', 5));
    const x = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 6) as tf.Tensor4D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(stdConv2d(x, w, { padding: 1 }))) as tf.Scalar, [w]);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    // and off the tape (no gradient recorded): nothing saved, nothing leaked
    for (let i = 0; i < 2; i++) standardizeKernel(w).dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
    x.dispose();
  });
});
