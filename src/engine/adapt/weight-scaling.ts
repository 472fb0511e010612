/**
 * P2X weight scaling (Ciga, Xu et al., "Resource and data efficient self supervised
 * learning", sec. "Weight scaling"): before a second SSL
 * pretraining, every conv → BN pair whose kernel has Frobenius norm s > 1 is rescaled
 *   W ← W/√s,  μ ← μ/√s,  σ² ← σ²/s²,  γ ← γ/√s,  β unchanged,
 * so parameter magnitudes shrink while the eval-mode output stays the same.
 *
 * Invariance check: BN_eval(conv(x; W/√s)) = γ/√s · (y/√s − μ/√s)/√(σ²/s² + ε) + β
 * = γ·(y − μ)/√(σ² + s²ε) + β, equal to the original up to ε (the error grows with s²ε/σ²).
 * With `exactEps` (default) σ² is set to (σ² + ε)/s² − ε instead, which makes the eval output
 * identical including ε whenever that is ≥ 0; otherwise it falls back to σ²/s² (clamped ≥ 0).
 * Train-mode output is not preserved (batch statistics rescale, γ does not): that is the point.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, Params } from '../models/types';

/** Options of `scaleWeights`. */
export interface WeightScalingOptions {
  /** one s per layer (paper) or one per output channel */
  granularity?: 'layer' | 'channel';
  /** keep the eval function identical including ε (default true); false = the paper's σ²/s² */
  exactEps?: boolean;
}

/** One layer's scaling, for reports. */
export interface ScaledLayer {
  conv: string;
  bn: string;
  /** largest s applied (layer granularity: the layer's s) */
  maxScale: number;
  /** channels scaled (all or none with layer granularity) */
  channels: number;
}

/** Output-channel axis of a kernel: 3 for HWIO, 2 for a depthwise HWC1 kernel matching `channels`. */
export function outputAxis(shape: number[], channels: number): number {
  if (shape.length !== 4) throw new Error(`kernel of shape [${shape}] is not 4-D`);
  if (shape[3] === channels) return 3;
  if (shape[3] === 1 && shape[2] === channels) return 2;
  throw new Error(`kernel of shape [${shape}] has no axis of ${channels} output channels`);
}

/** Per-output-channel Frobenius norms of a kernel along `axis`. */
export function filterNorms(kernel: tf.Tensor, axis: number): tf.Tensor1D {
  return tf.tidy(() => {
    const axes = [0, 1, 2, 3].filter((a) => a !== axis);
    return tf.sqrt(tf.sum(tf.square(kernel), axes)) as tf.Tensor1D;
  });
}

/**
 * Applies P2X weight scaling to every conv → BN pair of the backbone (pairs come from
 * `bnLayers[].conv`). Layers with s ≤ 1 are left alone. Each layer's report values are read
 * back asynchronously.
 */
export async function scaleWeights(backbone: Backbone, params: Params, o: WeightScalingOptions = {}): Promise<ScaledLayer[]> {
  const granularity = o.granularity ?? 'layer';
  const exact = o.exactEps ?? true;
  const report: ScaledLayer[] = [];
  for (const ref of backbone.bnLayers) {
    if (!ref.conv) continue;
    const get = (n: string) => {
      const v = params.get(n);
      if (!v) throw new Error(`weight scaling: parameter '${n}' is missing`);
      return v;
    };
    const [w, gamma, mean, variance] = [get(ref.conv), get(ref.gamma), get(ref.mean), get(ref.variance)];
    const channels = gamma.shape[0];
    const axis = outputAxis(w.shape, channels);
    const result = tf.tidy(() => {
      // s per channel; 1 where no scaling applies
      let s: tf.Tensor1D;
      if (granularity === 'layer') {
        const layerNorm = tf.norm(w);
        s = tf.mul(tf.onesLike(gamma), tf.maximum(layerNorm, 1)) as tf.Tensor1D;
      } else {
        s = tf.maximum(filterNorms(w, axis), 1) as tf.Tensor1D;
      }
      const root = tf.sqrt(s);
      const kernelShape = [1, 1, 1, 1];
      kernelShape[axis] = channels;
      w.assign(tf.div(w, tf.reshape(root, kernelShape)));
      mean.assign(tf.div(mean, root));
      gamma.assign(tf.div(gamma, root));
      const s2 = tf.square(s);
      const paper = tf.div(variance, s2);
      const exactVar = tf.sub(tf.div(tf.add(variance, ref.eps), s2), ref.eps);
      variance.assign(exact ? tf.where(tf.greaterEqual(exactVar, 0), exactVar, tf.maximum(paper, 0)) : paper);
      return tf.stack([tf.max(s), tf.sum(tf.cast(tf.greater(s, 1), 'float32'))]);
    });
    let maxScale: number;
    let scaled: number;
    try {
      [maxScale, scaled] = Array.from(await result.data());
    } finally {
      result.dispose();
    }
    if (scaled > 0) report.push({ conv: ref.conv, bn: ref.name, maxScale, channels: scaled });
  }
  return report;
}
