/**
 * CutMix of a batch with a permutation of itself (Yun et al., ICCV 2019), as UFT applies it
 * to MoCo query views: x_m = M⊙x_a + (1−M)⊙x_b with x_b = x[perm], one box per batch,
 * λ = the area ratio of x_a actually kept (after clipping the box to the image).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../train/seed';

/** A mixed batch with its mixing ratio and pairing. */
export interface CutMixResult {
  mixed: tf.Tensor4D;
  /** fraction of each mixed image that comes from its own sample x_a */
  lambda: number;
  /** permutation[i] is the sample whose patch is pasted into sample i */
  permutation: number[];
}

/**
 * Draws λ ~ Beta(α, α) (α = 1: uniform), a box of area (1 − λ)·H·W at a uniform centre,
 * clipped to the image, and pastes the permuted batch into it. Returns the exact λ.
 */
export function cutMix(x: tf.Tensor4D, rng: SeededRandom, alpha = 1): CutMixResult {
  const [n, h, w] = x.shape;
  const permutation = rng.permutation(n);
  const lam0 = alpha === 1 ? rng.next() : sampleBeta(alpha, rng);
  const cutRatio = Math.sqrt(1 - lam0);
  const cutH = Math.floor(h * cutRatio);
  const cutW = Math.floor(w * cutRatio);
  const cy = rng.int(h);
  const cx = rng.int(w);
  const y0 = Math.max(0, cy - Math.floor(cutH / 2));
  const y1 = Math.min(h, cy + Math.ceil(cutH / 2));
  const x0 = Math.max(0, cx - Math.floor(cutW / 2));
  const x1 = Math.min(w, cx + Math.ceil(cutW / 2));
  const mask = new Float32Array(h * w).fill(1);
  for (let i = y0; i < y1; i++) for (let j = x0; j < x1; j++) mask[i * w + j] = 0;
  const lambda = 1 - ((y1 - y0) * (x1 - x0)) / (h * w);
  const mixed = tf.tidy(() => {
    const m = tf.tensor4d(mask, [1, h, w, 1]);
    const xb = tf.gather(x, tf.tensor1d(permutation, 'int32'));
    return tf.add(tf.mul(m, x), tf.mul(tf.sub(1, m), xb)) as tf.Tensor4D;
  });
  return { mixed, lambda, permutation };
}

/** Beta(α, α) from two Gamma draws (Marsaglia-Tsang for α ≥ 1, boosted for α < 1). */
function sampleBeta(alpha: number, rng: SeededRandom): number {
  const a = sampleGamma(alpha, rng);
  const b = sampleGamma(alpha, rng);
  return a / (a + b);
}

function sampleGamma(k: number, rng: SeededRandom): number {
  if (k < 1) return sampleGamma(k + 1, rng) * Math.pow(rng.next() || 1e-12, 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = rng.next() || 1e-12;
      const u2 = rng.next();
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (Math.log(u || 1e-12) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
