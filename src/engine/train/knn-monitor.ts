/**
 * kNN accuracy monitor during SSL training (lightly PR #1897): features of a small labeled
 * subset with BN in eval mode, even-indexed images as the memory bank and odd-indexed ones as
 * queries, classified by the eval helper's weighted kNN. For watching a run, not for results.
 */
import * as tf from '@tensorflow/tfjs-core';
import { knnClassify, type KnnOptions } from '../eval/knn';
import type { FeatureMatrix } from '../eval/features';

export type { KnnOptions } from '../eval/knn';

/** A labeled image set held as one tensor (small: a few hundred images). */
export interface LabeledSet {
  images: tf.Tensor4D;
  labels: ArrayLike<number>;
}

/** Features of the images at `indices` with `features`, as a FeatureMatrix (chunked, read back asynchronously). */
export async function featureMatrix(features: (x: tf.Tensor4D) => tf.Tensor2D, images: tf.Tensor4D, indices: number[], chunk = 128): Promise<FeatureMatrix> {
  let dim = 0;
  const parts: Float32Array[] = [];
  for (let i = 0; i < indices.length; i += chunk) {
    const f = tf.tidy(() => features(tf.gather(images, indices.slice(i, i + chunk)) as tf.Tensor4D));
    dim = f.shape[1];
    try {
      parts.push((await f.data()) as Float32Array);
    } finally {
      f.dispose();
    }
  }
  const data = new Float32Array(indices.length * dim);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { data, n: indices.length, dim };
}

/**
 * kNN accuracy of a feature function (e.g. `method.features`, BN eval mode) on a labeled set
 * split in two halves. Needs at least 4 images; labels are 0..classes−1.
 */
export async function knnMonitorAccuracy(features: (x: tf.Tensor4D) => tf.Tensor2D, set: LabeledSet, o: KnnOptions & { chunk?: number } = {}): Promise<number> {
  const n = set.images.shape[0];
  if (set.labels.length !== n) throw new Error(`kNN monitor: ${n} images but ${set.labels.length} labels`);
  if (n < 4) throw new Error(`kNN monitor: needs at least 4 labeled images, got ${n}`);
  const even = Array.from({ length: Math.ceil(n / 2) }, (_, i) => 2 * i);
  const odd = Array.from({ length: Math.floor(n / 2) }, (_, i) => 2 * i + 1);
  const bank = await featureMatrix(features, set.images, even, o.chunk);
  const query = await featureMatrix(features, set.images, odd, o.chunk);
  const classes = Math.max(...Array.from(set.labels)) + 1;
  const r = await knnClassify(bank, even.map((i) => set.labels[i]), classes, query, { k: 20, ...o });
  let correct = 0;
  odd.forEach((i, j) => {
    if (r.predictions[j] === set.labels[i]) correct++;
  });
  return correct / odd.length;
}
