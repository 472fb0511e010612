/**
 * Mixup (Zhang et al. 2018) of a labeled batch: one λ ~ Beta(α, α) per batch; every image and
 * its one-hot label are blended, λ·own + (1−λ)·partner, with those of the sample a seeded
 * permutation pairs it with. Cross-entropy against the blended labels equals the paper's
 * λ·CE(own) + (1−λ)·CE(partner).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../../train/seed';
import { sampleBeta } from './params';

/** Blended images and labels (the caller disposes both), with the λ drawn. */
export function mixup(x: tf.Tensor4D, y: tf.Tensor2D, alpha: number, rng: SeededRandom): { x: tf.Tensor4D; y: tf.Tensor2D; lambda: number } {
  if (!(alpha > 0)) throw new Error(`mixup alpha must be > 0, got ${alpha}`);
  const lambda = sampleBeta(rng, alpha, alpha);
  const partner = tf.tensor1d(rng.permutation(x.shape[0]), 'int32');
  const blend = <T extends tf.Tensor>(t: T): T => tf.tidy(() => tf.add(tf.mul(t, lambda), tf.mul(tf.gather(t, partner), 1 - lambda)) as T);
  const out = { x: blend(x), y: blend(y), lambda };
  partner.dispose();
  return out;
}
