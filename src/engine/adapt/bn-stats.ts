/**
 * Per-layer statistics of every BatchNorm input over a set of batches, recorded through
 * `ctx.onBnInput`: the mean over batches of the per-batch mean and of the per-batch biased
 * variance, plus the number of values per channel in one batch (for the unbiased correction).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, BnMode, Params } from '../models/types';

/** Averaged statistics of one BN layer's input. */
export interface BnInputStats {
  /** mean over batches of the per-batch channel means, M_t */
  mean: Float32Array;
  /** mean over batches of the per-batch biased channel variances */
  biasedVar: Float32Array;
  /** values per channel in one batch (N·H·W), m in the m/(m−1) correction (of the last batch) */
  valuesPerChannel: number;
  batches: number;
}

/**
 * Runs the backbone over `batches` with `mode` ('eval' for DAFT's conversion, 'batch-no-update'
 * for BN re-estimation) and returns the statistics per BN layer name. Only layers listed in
 * `backbone.bnLayers` are recorded; the forward output is discarded. The sums are read back
 * asynchronously.
 */
export async function collectBnInputStats(
  backbone: Backbone,
  params: Params,
  batches: AsyncIterable<tf.Tensor4D> | Iterable<tf.Tensor4D>,
  mode: BnMode,
): Promise<Map<string, BnInputStats>> {
  if (mode === 'train') throw new Error("collectBnInputStats: mode 'train' would change running statistics while measuring");
  const known = new Set(backbone.bnLayers.map((b) => b.name));
  const sums = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; m: number; batches: number }>();
  for await (const x of batches) {
    tf.tidy(() => {
      backbone.forwardFeatures(params, x, {
        bnMode: mode,
        onBnInput: (name, input) => {
          if (!known.has(name)) return;
          const axes = [...Array(input.rank - 1).keys()];
          const { mean, variance } = tf.moments(input, axes);
          const prev = sums.get(name);
          const m = input.size / input.shape[input.rank - 1];
          const next = {
            mean: tf.keep(prev ? tf.add(prev.mean, mean) : mean.clone()) as tf.Tensor1D,
            variance: tf.keep(prev ? tf.add(prev.variance, variance) : variance.clone()) as tf.Tensor1D,
            m,
            batches: (prev?.batches ?? 0) + 1,
          };
          prev?.mean.dispose();
          prev?.variance.dispose();
          sums.set(name, next);
        },
      });
    });
  }
  const out = new Map<string, BnInputStats>();
  try {
    for (const [name, s] of sums) {
      const [sumMean, sumVar] = await Promise.all([s.mean.data(), s.variance.data()]);
      const mean = Float32Array.from(sumMean, (v) => v / s.batches);
      const biasedVar = Float32Array.from(sumVar, (v) => v / s.batches);
      out.set(name, { mean, biasedVar, valuesPerChannel: s.m, batches: s.batches });
    }
  } finally {
    for (const s of sums.values()) {
      s.mean.dispose();
      s.variance.dispose();
    }
  }
  if (out.size === 0 && backbone.bnLayers.length > 0) throw new Error('collectBnInputStats: no batches were given');
  return out;
}
