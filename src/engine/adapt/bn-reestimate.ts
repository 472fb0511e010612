/**
 * BN running-statistics re-estimation on target data (HPT: "even with no training,
 * re-estimating BN statistics on the target data helps"): each layer's running mean/variance
 * become the average over the given batches of its batch statistics, computed with batch
 * statistics in every layer (as PyTorch's cumulative average with momentum = None). Weights,
 * γ and β are untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, Params } from '../models/types';
import { collectBnInputStats } from './bn-stats';

/** Re-estimates every BN layer's running statistics over `batches`; returns the layer count. */
export async function reestimateBnStatistics(
  backbone: Backbone,
  params: Params,
  batches: AsyncIterable<tf.Tensor4D> | Iterable<tf.Tensor4D>,
): Promise<number> {
  const stats = await collectBnInputStats(backbone, params, batches, 'batch-no-update');
  for (const ref of backbone.bnLayers) {
    const s = stats.get(ref.name);
    if (!s) throw new Error(`BN re-estimation: layer '${ref.name}' received no input`);
    const mean = params.get(ref.mean);
    const variance = params.get(ref.variance);
    if (!mean || !variance) throw new Error(`BN re-estimation: running statistics of '${ref.name}' are missing`);
    const m = s.valuesPerChannel;
    const unbias = m > 1 ? m / (m - 1) : 1;
    tf.tidy(() => {
      mean.assign(tf.tensor1d(s.mean));
      variance.assign(tf.tensor1d(Float32Array.from(s.biasedVar, (v) => v * unbias)));
    });
  }
  return backbone.bnLayers.length;
}
