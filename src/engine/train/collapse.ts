/**
 * Collapse monitor: "is it collapsed?" (byol-pytorch#44, #85) answered from the spread of the
 * embeddings rather than from the loss.
 *
 * Measure: L2-normalise each embedding, take the standard deviation of every dimension over
 * the batch and average them. For embeddings spread over the unit sphere in d dimensions each
 * coordinate has variance ≈ 1/d, so the mean std is ≈ 1/√d; for a collapsed representation
 * (every image maps to the same point) it is 0. We report the ratio r = std·√d, ≈ 1 for a
 * uniform spread whatever d is (if k of d dimensions share the variance equally, r = √(k/d)).
 *
 * Threshold: alarm when r < 0.04 (std < 0.04/√d) for `patience` (3) checks in a row. The
 * textbook 0.1/√d is too high for small networks: measured on Fashion-MNIST (small-resnet,
 * 64-d LayerNorm projector, test/engine/methods/byol-fashion.test.ts), healthy BYOL runs
 * start at r ≈ 0.08–0.13 (a random network maps all images near one direction) and rise to
 * 0.15–0.2, while BYOL without predictor and τ = 0 (SimSiam without predictor, which
 * collapses) falls to 0.025 by step 10 and 0.015 by step 30 with the loss at 0.001. 0.04
 * sits between the two with a margin of about 2× on each side; patience keeps one odd batch
 * from raising the alarm. With BatchNorm in the projector r stays near 0.8 (BN standardises
 * each dimension), so the monitor mostly matters for LayerNorm / GroupNorm heads.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Mean over dimensions of the per-dimension std of the L2-normalised embeddings, times √d (read back asynchronously). */
export async function embeddingSpread(embeddings: tf.Tensor2D): Promise<{ std: number; ratio: number }> {
  const d = embeddings.shape[1];
  const std = tf.tidy(() => {
    const z = tf.div(embeddings, tf.maximum(tf.norm(embeddings, 'euclidean', 1, true), 1e-12));
    const { variance } = tf.moments(z, 0);
    return tf.mean(tf.sqrt(variance));
  });
  let value: number;
  try {
    value = (await std.data())[0];
  } finally {
    std.dispose();
  }
  return { std: value, ratio: value * Math.sqrt(d) };
}

/** Monitor settings. */
export interface CollapseMonitorOptions {
  /** alarm when the ratio std·√d falls below this (default 0.1) */
  threshold?: number;
  /** consecutive low checks needed to alarm (default 3) */
  patience?: number;
}

/** One check's result. */
export interface CollapseReport {
  std: number;
  ratio: number;
  collapsed: boolean;
}

/** Keeps the count of consecutive low-spread checks and says when a run has collapsed. */
export class CollapseMonitor {
  private readonly threshold: number;
  private readonly patience: number;
  private low = 0;

  constructor(o: CollapseMonitorOptions = {}) {
    this.threshold = o.threshold ?? 0.04;
    this.patience = o.patience ?? 3;
  }

  /** Checks one batch of embeddings (the caller still owns them). */
  async check(embeddings: tf.Tensor2D): Promise<CollapseReport> {
    const { std, ratio } = await embeddingSpread(embeddings);
    return this.record(std, ratio);
  }

  /** Records an already-measured spread. */
  record(std: number, ratio: number): CollapseReport {
    this.low = ratio < this.threshold || !Number.isFinite(ratio) ? this.low + 1 : 0;
    return { std, ratio, collapsed: this.low >= this.patience };
  }
}
