/**
 * UFT's sparse source replay (Unsupervised Finetuning, sec. "sparse source data replay"): a
 * random fraction (10% in the paper) of the source (pretraining) images joins the target's
 * unlabeled pool, so SSL on a small target set keeps some of the pretrained structure.
 *
 * Unlike the data helper's `MixedSampler` (a fixed number of source images in every batch),
 * this draws batches from the union pool, as the paper does; the subset is either chosen once
 * ('fixed') or redrawn every epoch ('resample'). Indices follow the data helper's convention:
 * target items 0..targetN−1, source item k is targetN + k. Pure in (seed, step), so a run
 * resumes exactly from its step.
 */
import type { Sampler } from '../data/samplers';
import { SeededRandom } from '../train/seed';

/** Options of the replay sampler. */
export interface SourceReplayOptions {
  targetN: number;
  sourceN: number;
  batchSize: number;
  /** share of the source set added to the pool (UFT: 0.1) */
  fraction: number;
  mode: 'fixed' | 'resample';
  seed: number;
}

/** A sampler over target ∪ (a fraction of source). */
export class SourceReplaySampler implements Sampler {
  readonly batchSize: number;
  /** source items in the pool (0 when fraction is 0 or the source is empty) */
  readonly sourcePerEpoch: number;
  readonly poolSize: number;
  private cachedEpoch = -1;
  private order: number[] = [];

  constructor(private readonly o: SourceReplayOptions) {
    if (!(Number.isInteger(o.targetN) && o.targetN > 0)) throw new Error(`source replay: target set must be non-empty, got ${o.targetN}`);
    if (!(Number.isInteger(o.sourceN) && o.sourceN >= 0)) throw new Error(`source replay: sourceN must be a non-negative integer, got ${o.sourceN}`);
    if (!(o.fraction >= 0 && o.fraction <= 1)) throw new Error(`source replay: fraction must be in [0, 1], got ${o.fraction}`);
    if (!(Number.isInteger(o.batchSize) && o.batchSize > 0)) throw new Error(`source replay: batch size must be a positive integer, got ${o.batchSize}`);
    if (o.mode !== 'fixed' && o.mode !== 'resample') throw new Error(`source replay: mode must be 'fixed' or 'resample', got '${String(o.mode)}'`);
    this.batchSize = o.batchSize;
    this.sourcePerEpoch = o.fraction > 0 && o.sourceN > 0 ? Math.max(1, Math.round(o.sourceN * o.fraction)) : 0;
    this.poolSize = o.targetN + this.sourcePerEpoch;
  }

  /** The source items (0-based within the source set) in the pool during `epoch`. */
  subsetAt(epoch: number): number[] {
    if (this.sourcePerEpoch === 0) return [];
    const key = this.o.mode === 'fixed' ? 0 : epoch + 1;
    return new SeededRandom((this.o.seed ^ Math.imul(key + 1, 0x9e3779b1)) >>> 0).permutation(this.o.sourceN).slice(0, this.sourcePerEpoch).sort((a, b) => a - b);
  }

  private epochOrder(epoch: number): number[] {
    if (epoch !== this.cachedEpoch) {
      const pool = [...Array.from({ length: this.o.targetN }, (_, i) => i), ...this.subsetAt(epoch).map((k) => this.o.targetN + k)];
      const perm = new SeededRandom((this.o.seed ^ Math.imul(epoch + 7, 0x85ebca6b)) >>> 0).permutation(pool.length);
      this.order = perm.map((i) => pool[i]);
      this.cachedEpoch = epoch;
    }
    return this.order;
  }

  /** Global indices of the batch at `step`; epochs follow each other back to back. */
  indicesAt(step: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.batchSize; j++) {
      const p = step * this.batchSize + j;
      const epoch = Math.floor(p / this.poolSize);
      out.push(this.epochOrder(epoch)[p - epoch * this.poolSize]);
    }
    return out;
  }
}
