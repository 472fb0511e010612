/**
 * Frozen-backbone feature extraction and classifier prediction, batch by batch, with BN in
 * eval mode (lightly PR #1444: norm layers in eval mode for kNN and linear probes), and
 * optional horizontal-flip test-time augmentation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, Params } from '../models/types';
import { flipHorizontal, indexBatches, type LabeledImages } from './images';

/** Pooled features of N images, row-major [n, dim]. */
export interface FeatureMatrix {
  data: Float32Array;
  n: number;
  dim: number;
}

/** Options of feature extraction. */
export interface ExtractOptions {
  batchSize?: number;
  /** params to run (default: the backbone's own) */
  params?: Params;
  /** extract features of horizontally flipped images instead */
  flip?: boolean;
}

/** Pooled features of every image of `data` with the backbone frozen (BN eval mode), read back asynchronously batch by batch. */
export async function extractFeatures(backbone: Backbone, data: LabeledImages, o: ExtractOptions = {}): Promise<FeatureMatrix> {
  const params = o.params ?? backbone.params;
  const dim = backbone.featureDim;
  const out = new Float32Array(data.size * dim);
  for (const idx of indexBatches(data.size, o.batchSize ?? 64)) {
    const f = tf.tidy(() => {
      const x = data.batch(idx);
      return backbone.forwardFeatures(params, o.flip ? flipHorizontal(x) : x, { bnMode: 'eval' });
    });
    try {
      out.set((await f.data()) as Float32Array, idx[0] * dim);
    } finally {
      f.dispose();
    }
  }
  return { data: out, n: data.size, dim };
}

/** A classifier forward: images → logits [N, K] (used inside tidy). */
export type LogitsFn = (x: tf.Tensor4D) => tf.Tensor2D;

/** Class probabilities without and with horizontal-flip TTA. */
export interface TtaProbabilities {
  /** N × K softmax probabilities of the images as they are */
  plain: Float64Array;
  /** N × K mean of the softmax probabilities of the image and its mirror (absent when TTA is off) */
  flip?: Float64Array;
  numClasses: number;
}

/**
 * Softmax probabilities of every image; with `tta`, also the average of the probabilities of
 * each image and its horizontal mirror. Both are returned so a report can show either.
 * Read back asynchronously, batch by batch.
 */
export async function predictProbabilities(logits: LogitsFn, data: LabeledImages, o: { tta?: boolean; batchSize?: number } = {}): Promise<TtaProbabilities> {
  const k = data.numClasses;
  const plain = new Float64Array(data.size * k);
  const flip = o.tta ? new Float64Array(data.size * k) : undefined;
  for (const idx of indexBatches(data.size, o.batchSize ?? 64)) {
    const [p, pf] = tf.tidy(() => {
      const x = data.batch(idx);
      const a = tf.softmax(logits(x));
      if (a.shape[1] !== k) throw new Error(`predict: model gives ${a.shape[1]} classes, data has ${k}`);
      return flip ? [a, tf.div(tf.add(tf.softmax(logits(flipHorizontal(x))), a), 2)] : [a];
    });
    try {
      const [a, b] = await Promise.all([p.data(), pf?.data()]);
      plain.set(a, idx[0] * k);
      if (flip && b) flip.set(b, idx[0] * k);
    } finally {
      p.dispose();
      pf?.dispose();
    }
  }
  return { plain, ...(flip ? { flip } : {}), numClasses: k };
}
