/**
 * Real-data BYOL runs on Fashion-MNIST (downscaled to 16 px, small-resnet widths 8/16/32):
 * a short run raises kNN accuracy over the random-init backbone, and a run without the
 * predictor (and with τ = 0, i.e. SimSiam without predictor) is flagged by the collapse monitor.
 * Measured on the shared 2-core machine (wasm): see the numbers printed by each test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { loadFashion } from '../train/fashion';
import { twoViews } from '../train/simple-augment';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { Byol, type ByolConfig } from '../../../src/engine/methods/byol';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { cosineSchedule } from '../../../src/engine/train/schedules';
import { knnMonitorAccuracy } from '../../../src/engine/train/knn-monitor';
import { trainSsl, type BatchSampler, type SslMetrics } from '../../../src/engine/train/train-ssl';
import { SeededRandom } from '../../../src/engine/train/seed';
import { reestimateBnStatistics } from '../../../src/engine/adapt/bn-reestimate';

const RES = 16;

let backendName = '';
beforeAll(async () => {
  backendName = await useTestBackend();
});

function randomSampler(images: tf.Tensor4D, batch: number, seed: number): BatchSampler {
  let step = 0;
  return {
    next: () => {
      const rng = new SeededRandom(seed + step++);
      const idx = Array.from({ length: batch }, () => rng.int(images.shape[0]));
      return tf.tidy(() => tf.gather(images, idx) as tf.Tensor4D);
    },
    state: () => step,
    restore: (s) => void (step = s as number),
  };
}

function fashion16(n: number, split: 'train' | 't10k') {
  const d = loadFashion(n, 0, split);
  const images = tf.tidy(() => tf.image.resizeBilinear(d.images, [RES, RES], true) as tf.Tensor4D);
  d.images.dispose();
  return { images, labels: d.labels };
}

async function run(config: Partial<ByolConfig>, steps: number, lr: number, logEvery: number, o: { batch: number; measureKnn: boolean }) {
  const unlabeled = fashion16(4096, 'train');
  const labeled = fashion16(o.measureKnn ? 2000 : 4, 't10k');
  const backbone = createSmallResNet({ widths: [8, 16, 32], blocks: 1, inChannels: 1 }, 1);
  const byol = new Byol(backbone, config, 1);
  // fair comparison: before and after, BN statistics re-estimated on clean unlabeled images
  const clean = [0, 1, 2, 3].map((i) => unlabeled.images.slice([i * 256, 0, 0, 0], [256, -1, -1, -1]) as tf.Tensor4D);
  const knn = async () => {
    await reestimateBnStatistics(backbone, backbone.params, clean);
    return knnMonitorAccuracy((x) => byol.features(x), { images: labeled.images, labels: labeled.labels });
  };
  const before = o.measureKnn ? await knn() : NaN;
  const metrics: SslMetrics[] = [];
  const optimizer = new NamedOptimizer({ kind: 'adamw', weightDecay: 1e-4 });
  const t0 = Date.now();
  const result = await trainSsl({
    method: byol, sampler: randomSampler(unlabeled.images, o.batch, 5), augment: twoViews, steps, optimizer,
    schedule: cosineSchedule({ base: lr, totalSteps: steps, warmupSteps: 5 }), seed: 3, logEvery, onMetrics: (m) => metrics.push(m),
  });
  const seconds = (Date.now() - t0) / 1000;
  const after = o.measureKnn ? await knn() : NaN;
  console.log(JSON.stringify({ backendName, config, steps, lr, seconds, before, after, metrics: metrics.map((m) => [m.step, +m.loss.toFixed(3), +m.embeddingSpread.toFixed(3), m.collapsed, Math.round(m.imagesPerSecond)]) }));
  byol.dispose();
  optimizer.dispose();
  for (const v of backbone.params.values()) v.dispose();
  [unlabeled.images, labeled.images, ...clean].forEach((t) => t.dispose());
  return { result, before, after, metrics };
}

describe('BYOL on Fashion-MNIST', () => {
  it('a short run raises kNN accuracy over the random-init backbone and is not flagged as collapsed', async () => {
    const mlp = { hidden: 256, out: 64, norm: 'batch' as const };
    const { result, before, after, metrics } = await run({ projector: mlp, predictor: mlp, baseMomentum: 0.99 }, 60, 5e-3, 10, { batch: 64, measureKnn: true });
    expect(result.status).toBe('done');
    expect(after).toBeGreaterThan(before + 0.01);
    expect(metrics.some((m) => m.collapsed)).toBe(false);
  });

  it('without the predictor (τ = 0) the collapse monitor raises the alarm', async () => {
    const mlp = { hidden: 256, out: 64, norm: 'layer' as const };
    const { metrics } = await run({ projector: mlp, predictor: mlp, usePredictor: false, baseMomentum: 0 }, 30, 5e-3, 5, { batch: 32, measureKnn: false });
    expect(metrics.some((m) => m.collapsed)).toBe(true);
    expect(metrics[metrics.length - 1].embeddingSpread).toBeLessThan(0.04);
  });
});
