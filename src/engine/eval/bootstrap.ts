/**
 * Seeded bootstrap confidence intervals: resample the evaluated images with replacement,
 * recompute a metric on each resample, and take the percentile interval.
 */
import { SeededRandom } from '../train/seed';
import { percentile } from './stats';

/** A metric value with its bootstrap confidence interval. */
export interface ConfidenceInterval {
  value: number;
  low: number;
  high: number;
  /** e.g. 0.95 */
  level: number;
  /** resamples where the metric was defined (an AUC resample with one class is skipped) */
  resamples: number;
}

/** Options of `bootstrapCI`. */
export interface BootstrapOptions {
  /** number of resamples (default 1000) */
  resamples?: number;
  /** confidence level (default 0.95) */
  level?: number;
  /** seed of the resampling (default 0) */
  seed?: number;
}

/**
 * Percentile bootstrap CIs of several metrics at once: `metrics(indices)` returns a record of
 * values for the resampled image indices (with repeats); the point estimates use 0..n−1.
 * Every metric sees the same resamples. Same seed, same intervals.
 */
export function bootstrapMany<K extends string>(
  n: number,
  metrics: (indices: Int32Array) => Record<K, number>,
  o: BootstrapOptions = {},
): Record<K, ConfidenceInterval> {
  const b = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(b) || b < 1) throw new Error(`bootstrap: resamples must be a positive integer, got ${b}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bootstrap: needs at least one image, got ${n}`);
  const point = metrics(Int32Array.from({ length: n }, (_, i) => i));
  const keys = Object.keys(point) as K[];
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  const rng = new SeededRandom(o.seed ?? 0);
  const idx = new Int32Array(n);
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const v = metrics(idx);
    for (const k of keys) if (Number.isFinite(v[k])) samples.get(k)!.push(v[k]);
  }
  const alpha = (1 - level) / 2;
  const out = {} as Record<K, ConfidenceInterval>;
  for (const k of keys) {
    const s = samples.get(k)!;
    out[k] = { value: point[k], low: percentile(s, 100 * alpha), high: percentile(s, 100 * (1 - alpha)), level, resamples: s.length };
  }
  return out;
}

/** Percentile bootstrap CI of one metric (see `bootstrapMany`). */
export function bootstrapCI(n: number, metric: (indices: Int32Array) => number, o: BootstrapOptions = {}): ConfidenceInterval {
  return bootstrapMany(n, (idx) => ({ value: metric(idx) }), o).value;
}
