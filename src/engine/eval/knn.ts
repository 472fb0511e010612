/**
 * Weighted k-nearest-neighbour classification on L2-normalised features (Wu et al., InstDisc,
 * 2018; lightly's `knn_predict`): the k most cosine-similar training features vote for their
 * class with weight exp(similarity / T). Used as the per-epoch monitor of SSL training.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMatrix } from './features';

/** Settings of the kNN classifier (defaults: lightly's k = 200, T = 0.1). */
export interface KnnOptions {
  k?: number;
  temperature?: number;
  /** query rows per similarity block (bounds memory: block × train size floats) */
  blockSize?: number;
}

/** kNN scores of each query: per-class vote shares (rows sum to 1) and predicted classes. */
export interface KnnResult {
  /** N × K vote shares, usable as probabilities for AUC / log loss */
  probs: Float64Array;
  predictions: Int32Array;
  numClasses: number;
  k: number;
}

function normalizedRows(f: FeatureMatrix): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.tensor2d(f.data, [f.n, f.dim]);
    const norm = tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12);
    return tf.div(x, norm) as tf.Tensor2D;
  });
}

/**
 * Classifies `query` features by weighted vote of their k nearest `train` features (cosine).
 * k is clipped to the training-set size. Ties in the vote go to the lower class index.
 * Similarities are read back asynchronously, one block at a time.
 */
export async function knnClassify(train: FeatureMatrix, trainLabels: ArrayLike<number>, numClasses: number, query: FeatureMatrix, o: KnnOptions = {}): Promise<KnnResult> {
  if (train.dim !== query.dim) throw new Error(`knn: train features have ${train.dim} dims, query features ${query.dim}`);
  if (trainLabels.length !== train.n) throw new Error(`knn: ${trainLabels.length} labels for ${train.n} training features`);
  if (train.n === 0) throw new Error('knn: the training set is empty');
  const t = o.temperature ?? 0.1;
  if (!(t > 0)) throw new Error(`knn: temperature must be > 0, got ${t}`);
  const k = Math.min(o.k ?? 200, train.n);
  if (!Number.isInteger(k) || k < 1) throw new Error(`knn: k must be a positive integer, got ${o.k}`);
  for (let i = 0; i < trainLabels.length; i++) {
    const y = trainLabels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new Error(`knn: train label[${i}] = ${y} is not in [0, ${numClasses})`);
  }
  const block = o.blockSize ?? 256;
  const bank = normalizedRows(train);
  const queries = normalizedRows(query);
  const probs = new Float64Array(query.n * numClasses);
  const predictions = new Int32Array(query.n);
  try {
    for (let s = 0; s < query.n; s += block) {
      const rows = Math.min(block, query.n - s);
      const { values, indices } = tf.tidy(() => {
        const q = tf.slice(queries, [s, 0], [rows, query.dim]);
        return tf.topk(tf.matMul(q, bank, false, true), k, true);
      });
      let sims: tf.backend_util.TypedArray;
      let idx: tf.backend_util.TypedArray;
      try {
        [sims, idx] = await Promise.all([values.data(), indices.data()]);
      } finally {
        values.dispose();
        indices.dispose();
      }
      for (let r = 0; r < rows; r++) {
        const base = (s + r) * numClasses;
        let total = 0;
        const top = sims[r * k]; // largest similarity: subtracting it keeps exp() finite for small T
        for (let j = 0; j < k; j++) {
          const w = Math.exp((sims[r * k + j] - top) / t);
          probs[base + trainLabels[idx[r * k + j]]] += w;
          total += w;
        }
        let best = 0;
        for (let c = 0; c < numClasses; c++) {
          probs[base + c] /= total;
          if (probs[base + c] > probs[base + best]) best = c;
        }
        predictions[s + r] = best;
      }
    }
  } finally {
    bank.dispose();
    queries.dispose();
  }
  return { probs, predictions, numClasses, k };
}
