/**
 * DAFT's BatchNorm conversion (Domain-Aware Fine-Tuning, sec. "BN conversion"): replace each
 * BN layer's source running statistics by target statistics measured in an eval-mode pass
 * over the target training set, and rewrite γ/β so the eval-mode function is unchanged:
 *   γ_t = γ_s·√(Σ_t+ε)/√(Σ_s+ε),  β_t = β_s + γ_s·(M_t − M_s)/√(Σ_s+ε).
 * Fine-tuning then starts with BN statistics that match the target data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, Params } from '../models/types';
import { collectBnInputStats, type BnInputStats } from './bn-stats';

/** What changed in one layer (for reports). */
export interface BnConversionLayer {
  name: string;
  /** mean |M_t − M_s| over channels */
  meanShift: number;
  /** mean Σ_t / Σ_s over channels */
  varianceRatio: number;
}

/**
 * Rewrites (γ, β, M, Σ) of every BN layer from measured target statistics; Σ_t is the
 * unbiased m/(m−1)·mean σ²_t. Pure given the statistics (no forward pass); each layer's report
 * values are read back asynchronously.
 */
export async function applyBnConversion(backbone: Backbone, params: Params, stats: Map<string, BnInputStats>): Promise<BnConversionLayer[]> {
  const report: BnConversionLayer[] = [];
  for (const ref of backbone.bnLayers) {
    const s = stats.get(ref.name);
    if (!s) throw new Error(`BN conversion: no target statistics for layer '${ref.name}'`);
    const get = (n: string) => {
      const v = params.get(n);
      if (!v) throw new Error(`BN conversion: parameter '${n}' is missing`);
      return v;
    };
    const [gamma, beta, mean, variance] = [get(ref.gamma), get(ref.beta), get(ref.mean), get(ref.variance)];
    const m = s.valuesPerChannel;
    const unbias = m > 1 ? m / (m - 1) : 1;
    const shift = tf.tidy(() => {
      const mt = tf.tensor1d(s.mean);
      const vt = tf.mul(tf.tensor1d(s.biasedVar), unbias);
      const sdS = tf.sqrt(tf.add(variance, ref.eps));
      const sdT = tf.sqrt(tf.add(vt, ref.eps));
      const newGamma = tf.div(tf.mul(gamma, sdT), sdS);
      const newBeta = tf.add(beta, tf.div(tf.mul(gamma, tf.sub(mt, mean)), sdS));
      const stats = [tf.mean(tf.abs(tf.sub(mt, mean))), tf.mean(tf.div(vt, tf.maximum(variance, 1e-12)))];
      gamma.assign(newGamma);
      beta.assign(newBeta);
      mean.assign(mt);
      variance.assign(vt);
      return tf.stack(stats);
    });
    let meanShift: number;
    let varianceRatio: number;
    try {
      [meanShift, varianceRatio] = Array.from(await shift.data());
    } finally {
      shift.dispose();
    }
    report.push({ name: ref.name, meanShift, varianceRatio });
  }
  return report;
}

/**
 * DAFT BN conversion end to end: eval-mode pass over `batches` (the target training images,
 * normalised), then `applyBnConversion`. Returns the per-layer report.
 */
export async function convertBatchNorm(
  backbone: Backbone,
  params: Params,
  batches: AsyncIterable<tf.Tensor4D> | Iterable<tf.Tensor4D>,
): Promise<BnConversionLayer[]> {
  const stats = await collectBnInputStats(backbone, params, batches, 'eval');
  return applyBnConversion(backbone, params, stats);
}
