import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from './tf-setup';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { Moco } from '../../../src/engine/methods/moco';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { cosineSchedule } from '../../../src/engine/train/schedules';
import { trainSsl, type Augment, type BatchSampler, type SslMetrics, type TrainState } from '../../../src/engine/train/train-ssl';
import { loadFashion } from './fashion';

beforeAll(async () => {
  await useTestBackend();
});

/** Cycles through a fixed tensor of images in order; its position is its state. */
function cyclingSampler(images: tf.Tensor4D, batch: number): BatchSampler {
  let pos = 0;
  const n = images.shape[0];
  return {
    next: () => {
      const idx = Array.from({ length: batch }, (_, i) => (pos + i) % n);
      pos = (pos + batch) % n;
      return tf.tidy(() => tf.gather(images, idx) as tf.Tensor4D);
    },
    state: () => pos,
    restore: (s) => void (pos = s as number),
  };
}

/** Two views: random horizontal flip and seeded noise, from the loop's rng. */
const flipNoise: Augment = (batch, rng) =>
  [0, 1].map(() =>
    tf.tidy(() => {
      const flipped = rng.next() < 0.5 ? tf.reverse(batch, 2) : batch.clone();
      return tf.add(flipped, tf.randomNormal(batch.shape, 0, 0.1, 'float32', rng.seedInt())) as tf.Tensor4D;
    }),
  );

const make = () =>
  new Moco(createSmallResNet({ widths: [4, 8], blocks: 1, inChannels: 1 }, 3), { projector: { hidden: 16, out: 8, norm: 'none' }, queueSize: 16 }, 5);

describe('trainSsl', () => {
  it('resumes exactly, accumulates, reports metrics and cancels', async () => {
    const { images, labels } = loadFashion(24);
    const small = tf.tidy(() => tf.image.resizeBilinear(images, [12, 12]) as tf.Tensor4D);
    images.dispose();
    const schedule = cosineSchedule({ base: 0.05, totalSteps: 4, warmupSteps: 1 });
    const run = async (steps: number | undefined, resume?: TrainState, signalAfter?: number) => {
      const method = make();
      const optimizer = new NamedOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 });
      const controller = new AbortController();
      const metrics: SslMetrics[] = [];
      const r = await trainSsl({
        method, sampler: cyclingSampler(small, 4), augment: flipNoise, steps: 4, optimizer, schedule,
        accumulate: 2, seed: 11, logEvery: 1, resume, signal: controller.signal,
        knn: { set: { images: small, labels }, every: 2, options: { k: 5 } },
        onMetrics: (m) => {
          metrics.push(m);
          if (signalAfter !== undefined && m.step >= signalAfter) controller.abort();
        },
      });
      method.dispose();
      for (const v of method.net.backbone.params.values()) v.dispose();
      optimizer.dispose();
      return { r, metrics, steps };
    };
    const before = tf.memory().numTensors - 1; // `small` is disposed at the end
    const straight = await run(4);
    expect(straight.r.status).toBe('done');
    expect(straight.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    for (const m of straight.metrics) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.embeddingStd).toBeGreaterThan(0);
      expect(m.imagesPerSecond).toBeGreaterThan(0);
    }
    expect(straight.metrics[0].lr).toBeCloseTo(0.05);
    expect(straight.metrics[0].knnAccuracy).toBeUndefined();
    for (const m of [straight.metrics[1], straight.metrics[3]]) expect(m.knnAccuracy).toBeGreaterThanOrEqual(0);
    const cancelled = await run(undefined, undefined, 2);
    expect(cancelled.r.status).toBe('cancelled');
    expect(cancelled.r.state.step).toBe(2);
    const resumed = await run(undefined, cancelled.r.state);
    expect(resumed.r.status).toBe('done');
    expect(resumed.metrics.map((m) => m.step)).toEqual([3, 4]);
    const a = straight.r.state.method.tensors;
    const b = resumed.r.state.method.tensors;
    for (const k of Object.keys(a)) {
      const x = a[k].data;
      const y = b[k].data;
      for (let i = 0; i < x.length; i++) expect(y[i], k).toBeCloseTo(x[i], 5);
    }
    expect(resumed.r.state.optimizer.step).toBe(straight.r.state.optimizer.step);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
