/**
 * Shuffle-BN emulated on one device (MoCo, sec. 3.3): the key batch is permuted before the
 * key encoder runs with `bnGroups` groups of separate BatchNorm statistics, then put back in
 * order, so query and key of one image see BN statistics from different sub-batches and
 * cannot cheat through them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, invertPermutation } from '../train/seed';

/** Runs `f` on a permuted batch and returns its output rows in the original order. */
export function withShuffledBatch(x: tf.Tensor4D, rng: SeededRandom, f: (shuffled: tf.Tensor4D) => tf.Tensor2D): tf.Tensor2D {
  const n = x.shape[0];
  const perm = rng.permutation(n);
  const inv = invertPermutation(perm);
  const shuffled = tf.gather(x, tf.tensor1d(perm, 'int32')) as tf.Tensor4D;
  const y = f(shuffled);
  return tf.gather(y, tf.tensor1d(inv, 'int32')) as tf.Tensor2D;
}

/**
 * The number of BN groups to use for a batch: the requested count when it divides the batch
 * and leaves at least 2 samples per group, else the largest divisor that does (1 at worst).
 */
export function bnGroupsFor(batch: number, requested: number): number {
  for (let g = Math.min(requested, Math.floor(batch / 2)); g > 1; g--) if (batch % g === 0) return g;
  return 1;
}
