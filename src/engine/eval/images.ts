/**
 * The labeled-image interface evaluation and fine-tuning read from: a set of N images that
 * hands out NHWC float32 batches (already normalised) by index. The data pipeline adapts its
 * cache to it; tests use `inMemoryImages`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A labeled image set read in batches. */
export interface LabeledImages {
  size: number;
  /** class index per image */
  labels: Int32Array;
  numClasses: number;
  /**
   * Images `indices` as an NHWC float32 tensor the caller disposes. With `augment`, a training
   * augmentation may be applied (seeded by `seed`); without it the images are returned as stored.
   */
  batch(indices: ArrayLike<number>, opts?: { augment?: boolean; seed?: number }): tf.Tensor4D;
}

/** Optional train-time augmentation of a batch (NHWC in, NHWC out, inside the caller's tidy). */
export type BatchAugment = (x: tf.Tensor4D, seed: number) => tf.Tensor4D;

/**
 * A labeled set held in one Float32Array of N×H×W×C values. `augment` (e.g. `randomFlip`) is
 * applied only when a batch asks for it.
 */
export function inMemoryImages(
  pixels: Float32Array,
  shape: [number, number, number, number],
  labels: ArrayLike<number>,
  numClasses: number,
  augment?: BatchAugment,
): LabeledImages {
  const [n, h, w, c] = shape;
  if (pixels.length !== n * h * w * c) throw new Error(`inMemoryImages: ${pixels.length} values do not fill shape [${shape}]`);
  if (labels.length !== n) throw new Error(`inMemoryImages: ${labels.length} labels for ${n} images`);
  const lab = Int32Array.from(labels);
  lab.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new Error(`inMemoryImages: label[${i}] = ${y} is not in [0, ${numClasses})`);
  });
  const per = h * w * c;
  return {
    size: n,
    labels: lab,
    numClasses,
    batch(indices, opts = {}) {
      const out = new Float32Array(indices.length * per);
      for (let j = 0; j < indices.length; j++) {
        const i = indices[j];
        if (!(i >= 0 && i < n)) throw new Error(`inMemoryImages: index ${i} out of range [0, ${n})`);
        out.set(pixels.subarray(i * per, (i + 1) * per), j * per);
      }
      const x = tf.tensor4d(out, [indices.length, h, w, c]);
      if (!opts.augment || !augment) return x;
      const y = tf.tidy(() => augment(x, opts.seed ?? 0));
      x.dispose();
      return y;
    },
  };
}

/** Horizontal flip of NHWC images (reverses the width axis). */
export function flipHorizontal(x: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(x, 2);
}

/** Flips each image of the batch horizontally with probability 1/2 (seeded). */
export function randomFlip(x: tf.Tensor4D, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const coin = tf.less(tf.randomUniform([x.shape[0], 1, 1, 1], 0, 1, 'float32', seed), 0.5);
    return tf.where(tf.tile(coin, [1, x.shape[1], x.shape[2], x.shape[3]]), flipHorizontal(x), x) as tf.Tensor4D;
  });
}

/** Consecutive index batches 0..n−1 of at most `batchSize`. */
export function indexBatches(n: number, batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const out: number[][] = [];
  for (let s = 0; s < n; s += batchSize) out.push(Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i));
  return out;
}
