/**
 * Adapters from decode caches to what the training code reads: labeled sets for fine-tuning
 * and evaluation (normalised NHWC float32), and a step-indexed, resumable batch sampler plus
 * the views augmentation for the self-supervised loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecodeCache } from '../data/cache-reader';
import { BatchLoader } from '../data/loader';
import type { Sampler } from '../data/samplers';
import { batchTensor, applyView } from '../data/augment/pipeline';
import { sampleViewParams } from '../data/augment/params';
import { normalize } from '../data/augment/ops';
import { VIEW_PIPELINES } from '../data/augment/policies';
import { indexBatches, type LabeledImages } from '../eval/images';
import { SeededRandom } from '../train/seed';
import type { Augment, BatchSampler } from '../train/train-ssl';

/** Training augmentation of labeled images (the fine-tune stage's `augmentation`). */
export type LabeledAugmentation = 'shift-flip' | 'flip' | 'none';

/** Per-image whole-pixel shifts and mirror flags of a batch. */
export interface ShiftFlipParams {
  dy: number[];
  dx: number[];
  flip: boolean[];
}

/** Seeded shifts of up to 1/8 of the side in each direction ('shift-flip' only) and a coin flip per image. */
export function shiftFlipParams(n: number, side: number, kind: LabeledAugmentation, seed: number): ShiftFlipParams {
  const rng = new SeededRandom(seed >>> 0);
  const max = kind === 'shift-flip' ? Math.max(1, Math.round(side / 8)) : 0;
  const p: ShiftFlipParams = { dy: [], dx: [], flip: [] };
  for (let i = 0; i < n; i++) {
    p.dy.push(rng.int(2 * max + 1) - max);
    p.dx.push(rng.int(2 * max + 1) - max);
    p.flip.push(kind !== 'none' && rng.int(2) === 1);
  }
  return p;
}

/**
 * Moves image i by (dy[i], dx[i]) whole pixels, filling with zeros (a padded random crop), then
 * mirrors it when flip[i]. Exact: slices of a zero-padded batch, no resampling.
 */
export function shiftFlip(x: tf.Tensor4D, p: ShiftFlipParams): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const m = Math.max(0, ...p.dy.map(Math.abs), ...p.dx.map(Math.abs));
    const padded = m > 0 ? tf.pad(x, [[0, 0], [m, m], [m, m], [0, 0]]) : x;
    const moved = m > 0 ? tf.concat(Array.from({ length: n }, (_, i) => tf.slice(padded, [i, m + p.dy[i], m + p.dx[i], 0], [1, h, w, c])), 0) as tf.Tensor4D : x;
    if (!p.flip.some(Boolean)) return moved;
    const mask = tf.tensor4d(p.flip.map((f) => (f ? 1 : 0)), [n, 1, 1, 1], 'bool');
    return tf.where(tf.tile(mask, [1, h, w, c]), tf.reverse(moved, 2), moved) as tf.Tensor4D;
  });
}

/**
 * A labeled subset of a cache as `LabeledImages`, normalised with the dataset's mean and std;
 * batches asked for with `augment` get `augmentation` (seeded by the batch's seed).
 */
export function cacheImages(cache: DecodeCache, indices: number[], numClasses: number, mean: ArrayLike<number>, std: ArrayLike<number>, augmentation: LabeledAugmentation = 'flip'): LabeledImages {
  const res = cache.resolution;
  const labels = Int32Array.from(indices, (i) => cache.index.labels[i]);
  labels.forEach((y, j) => {
    if (!(y >= 0 && y < numClasses)) throw new Error(`image ${cache.index.keys[indices[j]]} has no valid label (${y})`);
  });
  return {
    size: indices.length,
    labels,
    numClasses,
    batch(pos, opts = {}) {
      const frames = cache.read(Array.from(pos, (p) => indices[p]));
      return tf.tidy(() => {
        const x = tf.div(batchTensor(frames, [pos.length, res, res, 3]), 255) as tf.Tensor4D;
        const moved = opts.augment && augmentation !== 'none' ? shiftFlip(x, shiftFlipParams(pos.length, res, augmentation, opts.seed ?? 0)) : x;
        return normalize(moved, mean, std);
      });
    },
  };
}

/** The set's images in order, `batchSize` at a time, without augmentation; each batch is disposed once the consumer asks for the next. */
export function* plainBatches(set: LabeledImages, batchSize: number): Generator<tf.Tensor4D> {
  for (const idx of indexBatches(set.size, batchSize)) {
    const x = set.batch(idx);
    try {
      yield x;
    } finally {
      x.dispose();
    }
  }
}

/** A sampler whose indices are mapped (pool position → global cache index). */
export function mappedSampler(inner: Sampler, map: (i: number) => number): Sampler {
  return { batchSize: inner.batchSize, indicesAt: (step) => inner.indicesAt(step).map(map) };
}

/**
 * The SSL loop's batch source: the batch at step k is a pure function of k, so the state is
 * the step index. Batches are raw pixel values in [0, 255] (views normalise after augmenting).
 */
export function stepBatchSampler(caches: DecodeCache[], sampler: Sampler): BatchSampler & { step: number } {
  const loader = new BatchLoader(caches, sampler, { prefetch: 0 });
  const s = {
    step: 0,
    async next(): Promise<tf.Tensor4D> {
      // yield to the event loop once per batch, so a pause or cancel message is seen promptly
      await new Promise<void>((r) => setImmediate(r));
      const b = loader.batchAt(s.step++);
      return batchTensor(b.pixels, b.shape);
    },
    state: () => s.step,
    restore(state: unknown) {
      if (typeof state !== 'number' || !Number.isInteger(state) || state < 0) throw new Error(`sampler state must be a step index, got ${JSON.stringify(state)}`);
      s.step = state;
    },
  };
  return s;
}

/** The views of a named augmentation pipeline, normalised with mean and std, seeded by the loop's rng. */
export function viewsAugment(pipeline: string, outSize: number, mean: ArrayLike<number>, std: ArrayLike<number>): Augment {
  const policies = VIEW_PIPELINES[pipeline];
  if (!policies) throw new Error(`unknown augmentation "${pipeline}" (known: ${Object.keys(VIEW_PIPELINES).join(', ')})`);
  const views = policies.length === 1 ? [policies[0], policies[0]] : policies;
  return (batch, rng) => {
    const [n, h, w] = batch.shape;
    const params = views.map((p) => sampleViewParams(p, n, h, w, outSize, rng));
    return tf.tidy(() => params.map((p) => normalize(applyView(batch, p, outSize), mean, std)));
  };
}
