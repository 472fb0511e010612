/**
 * Sinkhorn-Knopp equipartition of SwAV: turns prototype scores into soft codes such that
 * every sample's code sums to 1 and every prototype receives about B/P of the batch.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Soft assignments Q [B, P] from scores [B, P] (Caron et al., SwAV, NeurIPS 2020, sec. 3.1 and
 * Algorithm 1): Q = exp(scores/ε) normalised alternately over prototypes (each gets mass 1/P)
 * and over samples (each gets mass 1/B), `iterations` times, then scaled so rows sum to 1.
 * Defaults ε = 0.05 and 3 iterations as in the paper. The result carries no gradient meaning;
 * call it on detached scores.
 */
export function sinkhornKnopp(scores: tf.Tensor2D, epsilon = 0.05, iterations = 3): tf.Tensor2D {
  if (!(epsilon > 0)) throw new Error(`sinkhornKnopp: epsilon must be > 0, got ${epsilon}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`sinkhornKnopp: iterations must be a positive integer, got ${iterations}`);
  return tf.tidy(() => {
    const [b, p] = scores.shape;
    const scaled = tf.div(scores, epsilon);
    // subtracting the global max changes nothing after normalisation and keeps exp finite
    let q = tf.exp(tf.sub(scaled, tf.max(scaled))) as tf.Tensor2D; // [B, P]
    q = tf.div(q, tf.sum(q));
    for (let i = 0; i < iterations; i++) {
      q = tf.div(tf.div(q, tf.sum(q, 0, true)), p); // each prototype column gets mass 1/P
      q = tf.div(tf.div(q, tf.sum(q, 1, true)), b); // each sample row gets mass 1/B
    }
    return tf.mul(q, b) as tf.Tensor2D;
  });
}
