/**
 * Batch loader: turns a sampler's indices into uint8 NHWC batches (+ labels) read from one
 * or more decode caches, preparing the next batches ahead of time (prefetch) so reading
 * overlaps with training.
 */
import type { DecodeCache } from './cache-reader';
import type { Sampler } from './samplers';

/** One batch, ready to become tensors: pixels are N·H·W·3 uint8. */
export interface Batch {
  step: number;
  pixels: Uint8Array;
  shape: [number, number, number, 3];
  /** class index per image, −1 when unlabeled */
  labels: Int32Array;
  /** global indices (over the concatenated caches) */
  indices: number[];
  /** 1 where the image comes from a cache other than the first (the source set in replay) */
  fromSecondary: Uint8Array;
}

export interface LoaderOptions {
  /** batches prepared ahead (default 2) */
  prefetch?: number;
  /** first step to produce (resume) */
  startStep?: number;
}

/**
 * Loads batches from caches whose index spaces are concatenated in order (the target
 * first, then the source for a MixedSampler). All caches must share the resolution.
 */
export class BatchLoader {
  private step: number;
  private readonly prefetch: number;
  private readonly queue: Promise<Batch>[] = [];
  private readonly offsets: number[] = [];
  private readonly total: number;

  constructor(private readonly caches: DecodeCache[], private readonly sampler: Sampler, opts: LoaderOptions = {}) {
    if (caches.length === 0) throw new Error('BatchLoader: no cache given');
    const res = caches[0].resolution;
    let off = 0;
    for (const c of caches) {
      if (c.resolution !== res) throw new Error(`BatchLoader: caches differ in resolution (${res} vs ${c.resolution})`);
      this.offsets.push(off);
      off += c.count;
    }
    this.total = off;
    this.step = opts.startStep ?? 0;
    this.prefetch = Math.max(0, opts.prefetch ?? 2);
  }

  /** Builds the batch at a step synchronously. */
  batchAt(step: number): Batch {
    const indices = this.sampler.indicesAt(step);
    const res = this.caches[0].resolution;
    const fb = res * res * 3;
    const pixels = new Uint8Array(indices.length * fb);
    const labels = new Int32Array(indices.length);
    const fromSecondary = new Uint8Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      const g = indices[j];
      if (!(g >= 0 && g < this.total)) throw new Error(`sampler gave index ${g}, outside 0..${this.total - 1}`);
      let c = this.caches.length - 1;
      while (this.offsets[c] > g) c--;
      const local = g - this.offsets[c];
      this.caches[c].readInto([local], pixels.subarray(j * fb, (j + 1) * fb));
      labels[j] = this.caches[c].index.labels[local] ?? -1;
      fromSecondary[j] = c > 0 ? 1 : 0;
    }
    return { step, pixels, shape: [indices.length, res, res, 3], labels, indices, fromSecondary };
  }

  private schedule(step: number): Promise<Batch> {
    // setImmediate lets the caller's current work (a training step) run first
    const p = new Promise<Batch>((resolve, reject) => setImmediate(() => {
      try {
        resolve(this.batchAt(step));
      } catch (e) {
        reject(e);
      }
    }));
    p.catch(() => undefined); // a failed prefetch surfaces when that batch is asked for
    return p;
  }

  /** The next batch; keeps `prefetch` more in preparation. */
  async next(): Promise<Batch> {
    while (this.queue.length < this.prefetch + 1) this.queue.push(this.schedule(this.step + this.queue.length));
    const b = await this.queue.shift()!;
    this.step++;
    this.queue.push(this.schedule(this.step + this.queue.length));
    return b;
  }

  /** The step the next call to next() returns. */
  get nextStep(): number {
    return this.step;
  }
}
