/**
 * Training throughput of the active backend: the step a fine-tuning run takes (backbone
 * features → linear head → softmax cross-entropy → tf.variableGrads → SGD with momentum,
 * all inside tf.tidy), timed after warm-up; the median step gives images per second.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '../models/types';
import { installTfjsEsmFix } from './tfjs-esm-fix';

/** What to measure. */
export interface TrainBenchOptions {
  arch: string;
  /** square input size in pixels */
  size: number;
  batch: number;
  /** timed steps (after warm-up) */
  steps: number;
  /** untimed steps first (default 2) */
  warmup?: number;
  classes?: number;
  /** backbone config overrides */
  config?: Record<string, unknown>;
  /** input batches to cycle through; random normal inputs when absent */
  inputs?: { x: tf.Tensor4D; y: tf.Tensor2D }[];
  /** called after every step with its time and the live tensor count */
  onStep?: (info: { step: number; ms: number; loss: number; numTensors: number }) => void;
}

/** The measurement. */
export interface TrainBenchResult {
  arch: string;
  backend: string;
  size: number;
  batch: number;
  steps: number;
  stepMsMedian: number;
  imagesPerSecond: number;
  stepMs: number[];
  firstLoss: number;
  lastLoss: number;
}

/** A reusable training step over a backbone plus a linear head (SGD, momentum 0.9). */
export interface TrainStep {
  /** one step; the loss is read back asynchronously (webgpu under Node cannot read GPU data synchronously) */
  run(x: tf.Tensor4D, y: tf.Tensor2D): Promise<number>;
  dispose(): void;
}

/** Builds the benchmark's training step; the caller owns the backbone. */
export function createTrainStep(backbone: Backbone, classes: number, lr = 0.01, momentum = 0.9): TrainStep {
  // tidy frees the initial values; variables survive it
  const headW = tf.tidy(() =>
    tf.variable(tf.mul(tf.randomNormal([backbone.featureDim, classes], 0, 1, 'float32', 7), 1 / Math.sqrt(backbone.featureDim)), true),
  );
  const headB = tf.tidy(() => tf.variable(tf.zeros([classes]), true));
  const trainable = [...[...backbone.params.values()].filter((v) => v.trainable), headW, headB];
  const velocity = tf.tidy(() => trainable.map((v) => tf.variable(tf.zerosLike(v), false)));
  return {
    async run(x, y) {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const features = backbone.forwardFeatures(backbone.params, x, { bnMode: 'train' });
          const logits = tf.add(tf.matMul(features, headW), headB);
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        }, trainable);
        trainable.forEach((v, i) => {
          const g = grads[v.name];
          const vel = velocity[i];
          vel.assign(tf.add(tf.mul(vel, momentum), g));
          v.assign(tf.sub(v, tf.mul(vel, lr)));
        });
        return value;
      });
      const out = (await loss.data())[0];
      loss.dispose();
      return out;
    },
    dispose() {
      headW.dispose();
      headB.dispose();
      velocity.forEach((v) => v.dispose());
    },
  };
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs warm-up plus timed training steps on the active backend. */
export async function benchTrain(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  if (!Number.isInteger(opts.size) || opts.size < 8) throw new Error(`bench train: size must be an integer >= 8, got ${opts.size}`);
  if (!Number.isInteger(opts.batch) || opts.batch < 2) throw new Error(`bench train: batch must be an integer >= 2, got ${opts.batch}`);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`bench train: steps must be a positive integer, got ${opts.steps}`);
  const classes = opts.classes ?? 10;
  const warmup = opts.warmup ?? 2;
  installTfjsEsmFix();
  const { createBackbone, disposeParams } = await import('../models/registry');
  const backbone = createBackbone(opts.arch, opts.config ?? {}, 0);
  const step = createTrainStep(backbone, classes);
  const own = opts.inputs
    ? undefined
    : [
        {
          x: tf.randomNormal([opts.batch, opts.size, opts.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
          y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: opts.batch }, (_, i) => i % classes), 'int32'), classes), 'float32')) as tf.Tensor2D,
        },
      ];
  const inputs = opts.inputs ?? own!;
  const times: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  try {
    for (let i = 0; i < warmup + opts.steps; i++) {
      const { x, y } = inputs[i % inputs.length];
      const t0 = performance.now();
      const loss = await step.run(x, y);
      const ms = performance.now() - t0;
      if (i === 0) firstLoss = loss;
      lastLoss = loss;
      if (!Number.isFinite(loss)) throw new Error(`bench train: loss became ${loss} at step ${i + 1}`);
      if (i >= warmup) times.push(ms);
      opts.onStep?.({ step: i + 1, ms, loss, numTensors: tf.memory().numTensors });
    }
  } finally {
    step.dispose();
    disposeParams(backbone.params);
    own?.forEach((b) => (b.x.dispose(), b.y.dispose()));
  }
  const stepMsMedian = median(times);
  return {
    arch: opts.arch,
    backend: tf.getBackend(),
    size: opts.size,
    batch: opts.batch,
    steps: opts.steps,
    stepMsMedian,
    imagesPerSecond: (opts.batch * 1000) / stepMsMedian,
    stepMs: times,
    firstLoss,
    lastLoss,
  };
}
