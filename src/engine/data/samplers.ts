/**
 * Samplers: which images make the batch at a given step. Each is a pure function of
 * (seed, step), so a run resumes exactly from a step index without replaying history.
 */
import { SeededRandom } from '../train/seed';
import { hashString } from './splits';

/** Anything that names the images of the batch at a step. */
export interface Sampler {
  readonly batchSize: number;
  /** indices of the batch at `step` (0-based) */
  indicesAt(step: number): number[];
}

function mix(seed: number, salt: string, k: number): number {
  return (Math.imul(seed ^ hashString(salt), 0x9e3779b1) + Math.imul(k + 1, 0x85ebca6b)) >>> 0;
}

/**
 * Infinite shuffled sampler over n items: epoch e is a seeded permutation; batches run
 * through the epochs back to back, so every item is seen once per epoch.
 */
export class ShuffledSampler implements Sampler {
  private epoch = -1;
  private perm: number[] = [];
  constructor(readonly n: number, readonly batchSize: number, readonly seed: number) {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`ShuffledSampler: need at least one item, got ${n}`);
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`ShuffledSampler: batch size must be a positive integer, got ${batchSize}`);
  }

  /** The item at global position p (epoch-major). */
  itemAt(p: number): number {
    const e = Math.floor(p / this.n);
    if (e !== this.epoch) {
      this.perm = new SeededRandom(mix(this.seed, 'epoch', e)).permutation(this.n);
      this.epoch = e;
    }
    return this.perm[p - e * this.n];
  }

  indicesAt(step: number): number[] {
    const out = new Array<number>(this.batchSize);
    for (let j = 0; j < this.batchSize; j++) out[j] = this.itemAt(step * this.batchSize + j);
    return out;
  }
}

/**
 * Class-balanced sampler: each slot draws a class uniformly, then an image of that class
 * uniformly (with replacement), from a generator seeded by (seed, step).
 */
export class ClassBalancedSampler implements Sampler {
  private readonly byClass: number[][];
  constructor(labels: ArrayLike<number>, readonly batchSize: number, readonly seed: number) {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < 0) continue;
      const g = groups.get(labels[i]);
      if (g) g.push(i);
      else groups.set(labels[i], [i]);
    }
    if (groups.size === 0) throw new Error('ClassBalancedSampler: no labeled items');
    this.byClass = [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k)!);
  }

  indicesAt(step: number): number[] {
    const rng = new SeededRandom(mix(this.seed, 'balanced', step));
    const out = new Array<number>(this.batchSize);
    for (let j = 0; j < this.batchSize; j++) {
      const members = this.byClass[rng.int(this.byClass.length)];
      out[j] = members[rng.int(members.length)];
    }
    return out;
  }
}

/**
 * Mixed sampler for source replay: every batch holds round(batchSize × fraction) source
 * images and the rest target images. Indices are global over [target…, source…]: target
 * items are 0..targetN−1 and source item k is targetN + k. An optional fixed subset of the
 * source (sparse replay) restricts which source items are drawn.
 */
export class MixedSampler implements Sampler {
  readonly sourcePerBatch: number;
  private readonly target: ShuffledSampler;
  private readonly source: ShuffledSampler | null;
  private readonly subset: number[] | null;

  constructor(readonly targetN: number, sourceN: number, readonly batchSize: number, fraction: number, readonly seed: number, sourceSubset?: number[]) {
    if (!(fraction >= 0 && fraction < 1)) throw new Error(`MixedSampler: source fraction must be in [0, 1), got ${fraction}`);
    this.sourcePerBatch = Math.round(batchSize * fraction);
    if (fraction > 0 && this.sourcePerBatch === 0) this.sourcePerBatch = 1;
    this.subset = sourceSubset ?? null;
    const pool = this.subset ? this.subset.length : sourceN;
    if (this.sourcePerBatch > 0 && pool === 0) throw new Error('MixedSampler: source replay asked for, but the source set is empty');
    if (this.subset) for (const k of this.subset) if (!(k >= 0 && k < sourceN)) throw new Error(`MixedSampler: source subset index ${k} out of range 0..${sourceN - 1}`);
    this.target = new ShuffledSampler(targetN, batchSize - this.sourcePerBatch, seed);
    this.source = this.sourcePerBatch > 0 ? new ShuffledSampler(pool, this.sourcePerBatch, (seed ^ 0x5eed) >>> 0) : null;
  }

  indicesAt(step: number): number[] {
    const t = this.target.indicesAt(step);
    if (!this.source) return t;
    const s = this.source.indicesAt(step).map((k) => this.targetN + (this.subset ? this.subset[k] : k));
    return t.concat(s);
  }
}

/** A fixed random subset of round(fraction × n) source items (sparse source replay), sorted. */
export function replaySubset(n: number, fraction: number, seed: number): number[] {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`replay fraction must be in (0, 1], got ${fraction}`);
  const k = Math.max(1, Math.round(n * fraction));
  return new SeededRandom(mix(seed, 'replay', 0)).permutation(n).slice(0, k).sort((a, b) => a - b);
}
