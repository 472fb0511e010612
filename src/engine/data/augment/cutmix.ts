/**
 * CutMix (Yun et al. 2019) on a batch: each sample gets a box pasted from the sample a
 * seeded permutation pairs it with. Returns λ per sample, the share of the sample's own
 * pixels after clipping the box at the border, and the permutation, so a loss can mix its
 * targets as λ·own + (1−λ)·partner.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../../train/seed';
import { sampleBeta } from './params';

export interface CutMixResult {
  mixed: tf.Tensor4D;
  /** own-pixel area ratio per sample */
  lambda: Float32Array;
  /** partner of sample i is permutation[i] */
  permutation: Int32Array;
  /** boxes [y1, x1, y2, x2) in pixels, per sample */
  boxes: Int32Array;
}

/** Draws CutMix boxes for n samples of height×width with λ ~ Beta(alpha, alpha). */
export function sampleCutMix(n: number, height: number, width: number, alpha: number, rng: SeededRandom): { lambda: Float32Array; permutation: Int32Array; boxes: Int32Array } {
  if (!(alpha > 0)) throw new Error(`CutMix alpha must be > 0, got ${alpha}`);
  const permutation = Int32Array.from(rng.permutation(n));
  const lambda = new Float32Array(n);
  const boxes = new Int32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const lam = sampleBeta(rng, alpha, alpha);
    const r = Math.sqrt(1 - lam);
    const ch = Math.round(height * r), cw = Math.round(width * r);
    const cy = rng.int(height), cx = rng.int(width);
    const y1 = Math.max(0, cy - (ch >> 1)), y2 = Math.min(height, cy + ch - (ch >> 1));
    const x1 = Math.max(0, cx - (cw >> 1)), x2 = Math.min(width, cx + cw - (cw >> 1));
    boxes.set([y1, x1, y2, x2], i * 4);
    lambda[i] = permutation[i] === i ? 1 : 1 - ((y2 - y1) * (x2 - x1)) / (height * width);
  }
  return { lambda, permutation, boxes };
}

/** Applies CutMix to [N,H,W,C] (the caller disposes `mixed`). */
export function cutMix(x: tf.Tensor4D, alpha: number, rng: SeededRandom): CutMixResult {
  const [n, h, w] = x.shape;
  const { lambda, permutation, boxes } = sampleCutMix(n, h, w, alpha, rng);
  const mixed = tf.tidy(() => {
    const b = tf.tensor2d(boxes, [n, 4], 'int32');
    const [y1, x1, y2, x2] = tf.split(b, 4, 1).map((t) => tf.reshape(t, [n, 1, 1, 1]));
    const ys = tf.reshape(tf.range(0, h, 1, 'int32'), [1, h, 1, 1]);
    const xs = tf.reshape(tf.range(0, w, 1, 'int32'), [1, 1, w, 1]);
    const inY = tf.logicalAnd(tf.greaterEqual(ys, y1), tf.less(ys, y2));
    const inX = tf.logicalAnd(tf.greaterEqual(xs, x1), tf.less(xs, x2));
    const mask = tf.cast(tf.logicalAnd(inY, inX), 'float32');
    const partner = tf.gather(x, tf.tensor1d(permutation, 'int32'));
    return tf.add(x, tf.mul(mask, tf.sub(partner, x))) as tf.Tensor4D;
  });
  return { mixed, lambda, permutation, boxes };
}
