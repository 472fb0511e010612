/**
 * A small BYOL-style augmentation for tests (until the data helper's policies are used):
 * random resized crop (scale 0.3–1), horizontal flip, brightness/contrast jitter, all seeded
 * from the loop's generator and run as tensor ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../../../src/engine/train/seed';

/** One augmented view of a batch [N, H, W, C]. */
export function augmentView(x: tf.Tensor4D, rng: SeededRandom, minScale = 0.3): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const boxes: number[][] = [];
  for (let i = 0; i < n; i++) {
    const area = minScale + (1 - minScale) * rng.next();
    const ratio = Math.exp((rng.next() - 0.5) * Math.log(16 / 9));
    const bh = Math.min(1, Math.sqrt(area / ratio));
    const bw = Math.min(1, Math.sqrt(area * ratio));
    const y0 = rng.next() * (1 - bh);
    const x0 = rng.next() * (1 - bw);
    const flip = rng.next() < 0.5;
    boxes.push(flip ? [y0, x0 + bw, y0 + bh, x0] : [y0, x0, y0 + bh, x0 + bw]);
  }
  const jitter = Array.from({ length: n }, () => [0.6 + 0.8 * rng.next(), (rng.next() - 0.5) * 0.8]);
  return tf.tidy(() => {
    const crops = tf.image.cropAndResize(x, tf.tensor2d(boxes), tf.tensor1d(Array.from({ length: n }, (_, i) => i), 'int32'), [h, w]);
    const contrast = tf.tensor4d(jitter.map((j) => j[0]), [n, 1, 1, 1]);
    const brightness = tf.tensor4d(jitter.map((j) => j[1]), [n, 1, 1, 1]);
    return tf.add(tf.mul(crops, contrast), brightness) as tf.Tensor4D;
  });
}

/** Two views. */
export function twoViews(x: tf.Tensor4D, rng: SeededRandom): tf.Tensor4D[] {
  return [augmentView(x, rng), augmentView(x, rng)];
}
