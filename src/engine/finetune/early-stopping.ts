/**
 * Early stopping on a validation metric: tracks the best value and its epoch, and says when
 * `patience` epochs have passed without an improvement of at least `minDelta`.
 */
import type { EarlyStopping, EpochMetrics, MonitorMetric } from './types';

/** True when a larger value of the metric is better. */
export function higherIsBetter(metric: MonitorMetric): boolean {
  return metric !== 'valLoss';
}

/** Best-epoch tracker with optional patience. */
export class BestTracker {
  best = NaN;
  bestEpoch = -1;
  private since = 0;

  constructor(readonly metric: MonitorMetric, private readonly stopping?: EarlyStopping) {
    if (stopping && (!Number.isInteger(stopping.patience) || stopping.patience < 1)) {
      throw new Error(`early stopping: patience must be a positive integer, got ${stopping.patience}`);
    }
  }

  /** Records an epoch; returns true when it is the new best. NaN values never improve. */
  update(m: EpochMetrics): boolean {
    const v = m[this.metric];
    const delta = this.stopping?.minDelta ?? 0;
    const improved = Number.isFinite(v) && (this.bestEpoch < 0 || Number.isNaN(this.best) ||
      (higherIsBetter(this.metric) ? v > this.best + delta : v < this.best - delta));
    if (improved) {
      this.best = v;
      this.bestEpoch = m.globalEpoch;
      this.since = 0;
    } else {
      this.since++;
    }
    return improved;
  }

  /** True when early stopping is on and patience has run out. */
  shouldStop(): boolean {
    return !!this.stopping && this.since >= this.stopping.patience;
  }
}
