/**
 * kNN smoke benchmark for every SSL method (not CI): the setting of
 * test/engine/methods/byol-fashion.test.ts (Fashion-MNIST at 16 px, small-resnet widths
 * 8/16/32, batch 64, 60 steps, AdamW wd 1e-4, cosine lr with 5 warm-up steps), run for each
 * method from `createMethod`. kNN accuracy (k 20, 2000 t10k images split even/odd) is measured
 * before and after training, each time after BN re-estimation on 4×256 clean train images.
 *
 *   npx tsx bench/methods/knn-smoke.ts [--methods byol,moco,simclr,swav] [--lr 5e-3] [--steps 60]
 *
 * Prints one JSON line per method: {method, steps, lr, knnBefore, knnAfter, seconds, ...}.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend';
import { loadFashion } from '../../test/engine/train/fashion';
import { twoViews } from '../../test/engine/train/simple-augment';
import { createSmallResNet } from '../../src/engine/models/small-resnet';
import { createMethod } from '../../src/engine/methods/registry';
import { NamedOptimizer } from '../../src/engine/train/optimizers';
import { cosineSchedule } from '../../src/engine/train/schedules';
import { knnMonitorAccuracy } from '../../src/engine/train/knn-monitor';
import { trainSsl, type BatchSampler, type SslMetrics } from '../../src/engine/train/train-ssl';
import { SeededRandom } from '../../src/engine/train/seed';
import { reestimateBnStatistics } from '../../src/engine/adapt/bn-reestimate';

const RES = 16;

const { values: args } = parseArgs({
  options: {
    methods: { type: 'string', default: 'byol,moco,simclr,swav' },
    lr: { type: 'string', default: '5e-3' },
    steps: { type: 'string', default: '60' },
    batch: { type: 'string', default: '64' },
  },
});

/** Per-method configs: BYOL exactly as in the BYOL Fashion-MNIST test, the others their defaults. */
const mlp = { hidden: 256, out: 64, norm: 'batch' as const };
const CONFIGS: Record<string, Record<string, unknown>> = {
  byol: { projector: mlp, predictor: mlp, baseMomentum: 0.99 },
  moco: {},
  simclr: {},
  swav: {},
};

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

async function main() {
  const report = await initBackend({ force: 'wasm' }); // as the tests' useTestBackend()
  const backendName = tf.getBackend();
  const steps = Number(args.steps);
  const lr = Number(args.lr);
  const batch = Number(args.batch);
  const unlabeled = fashion16(4096, 'train');
  const labeled = fashion16(2000, 't10k');
  const clean = [0, 1, 2, 3].map((i) => unlabeled.images.slice([i * 256, 0, 0, 0], [256, -1, -1, -1]) as tf.Tensor4D);
  console.error(`backend ${backendName} ${JSON.stringify(report)}`);

  for (const name of String(args.methods).split(',')) {
    const config = CONFIGS[name] ?? {};
    const backbone = createSmallResNet({ widths: [8, 16, 32], blocks: 1, inChannels: 1 }, 1);
    const method = createMethod(name, backbone, config, 1);
    const knn = async () => {
      await reestimateBnStatistics(backbone, backbone.params, clean);
      return knnMonitorAccuracy((x) => method.features(x), { images: labeled.images, labels: labeled.labels });
    };
    const knnBefore = await knn();
    const metrics: SslMetrics[] = [];
    const optimizer = new NamedOptimizer({ kind: 'adamw', weightDecay: 1e-4 });
    const t0 = Date.now();
    let status = 'error';
    let error: string | undefined;
    try {
      const result = await trainSsl({
        method, sampler: randomSampler(unlabeled.images, batch, 5), augment: twoViews, steps, optimizer,
        schedule: cosineSchedule({ base: lr, totalSteps: steps, warmupSteps: 5 }), seed: 3, logEvery: 10, onMetrics: (m) => metrics.push(m),
      });
      status = result.status;
    } catch (e) {
      error = (e as Error).message;
    }
    const seconds = (Date.now() - t0) / 1000;
    const knnAfter = await knn();
    console.log(JSON.stringify({
      method: name, steps, lr, knnBefore, knnAfter, seconds, status, ...(error ? { error } : {}), backendName,
      metrics: metrics.map((m) => [m.step, +m.loss.toFixed(3), +m.embeddingSpread.toFixed(3), m.collapsed]),
    }));
    method.dispose();
    optimizer.dispose();
    for (const v of backbone.params.values()) v.dispose();
  }
  [unlabeled.images, labeled.images, ...clean].forEach((t) => t.dispose());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
