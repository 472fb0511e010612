/**
 * Training-mode BatchNorm with a hand-written gradient (Ioffe & Szegedy 2015, eq. for ∂ℓ/∂x):
 *   x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
 *   ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ/(√(σ² + ε)·m) · (m·dy − ∂β − x̂·∂γ)
 * Autodiff through tf.moments and the normalisation produces ~25 full-size ops per layer in
 * the backward pass (broadcasts, ones-multiplies, divides); this one produces about 7.
 * Works on every backend (plain tf ops inside tf.customGrad).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Output of `batchNormTrain`: y, and (when asked) the batch statistics, keepDims over `axes`, variance biased. */
export interface BatchNormTrainResult {
  y: tf.Tensor;
  mean?: tf.Tensor;
  variance?: tf.Tensor;
}

/**
 * Normalises x with its own statistics over `axes` (default: all but the last, i.e. NHWC / NC),
 * then scales and shifts by gamma and beta (broadcast along the last axis). Gradients flow to
 * x, gamma and beta. With `withStats`, the batch statistics are returned too, computed outside
 * the differentiated path (use them for running averages; they add no backward work).
 */
export function batchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  axes?: number[],
  withStats = false,
): BatchNormTrainResult {
  const reduce = axes ?? [...Array(x.rank - 1).keys()];
  const count = reduce.reduce((p, a) => p * x.shape[a], 1);
  if (count < 1) throw new Error(`batchNormTrain: nothing to normalise over axes [${reduce}] of shape [${x.shape}]`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(xi, reduce, true);
    const centered = tf.sub(xi, mean);
    const variance = tf.mean(tf.square(centered), reduce, true);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(centered, invStd);
    save([xhat, invStd, g]);
    const value = tf.add(tf.mul(xhat, g), b);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xh, inv, gm] = saved;
        const dBetaKeep = tf.sum(d, reduce, true);
        const dGammaKeep = tf.sum(tf.mul(d, xh), reduce, true);
        // dx = γ·inv/m · (m·dy − ∂β − x̂·∂γ) = γ·inv · (dy − ∂β/m − x̂·∂γ/m)
        const inner = tf.sub(tf.sub(d, tf.div(dBetaKeep, count)), tf.mul(xh, tf.div(dGammaKeep, count)));
        const dx = tf.mul(inner, tf.mul(gm, inv));
        // per-group sums (when `axes` leaves a group axis) add up to the per-channel γ/β gradients
        const perChannel = (t: tf.Tensor) => tf.reshape(tf.sum(t, [...Array(t.rank - 1).keys()]), gm.shape);
        return [dx, perChannel(dGammaKeep), perChannel(dBetaKeep)];
      },
    };
  });
  const y = op(x, gamma, beta);
  if (!withStats) return { y };
  const { mean, variance } = tf.moments(x, reduce, true);
  return { y, mean, variance };
}
