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
import { randomFlip, type LabeledImages } from '../eval/images';
import type { Augment, BatchSampler } from '../train/train-ssl';

/** A labeled subset of a cache as `LabeledImages`, normalised with the dataset's mean and std. */
export function cacheImages(cache: DecodeCache, indices: number[], numClasses: number, mean: ArrayLike<number>, std: ArrayLike<number>): LabeledImages {
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
        const x = normalize(tf.div(batchTensor(frames, [pos.length, res, res, 3]), 255) as tf.Tensor4D, mean, std);
        return opts.augment ? randomFlip(x, opts.seed ?? 0) : x;
      });
    },
  };
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
