/**
 * The generic self-supervised training loop every method and recipe stage runs through:
 * sample → augment → step (with gradient accumulation) → metrics, checkpoints, cancellation,
 * and exact resume from a saved state.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodState, SslMethod } from '../methods/method';
import { CollapseMonitor, type CollapseMonitorOptions, type CollapseReport } from './collapse';
import { knnMonitorAccuracy, type KnnOptions, type LabeledSet } from './knn-monitor';
import type { NamedOptimizer, OptimizerState } from './optimizers';
import type { LrSchedule } from './schedules';
import { SeededRandom } from './seed';
import { sslStep } from './step';

/**
 * Where unlabeled batches come from (the data helper's loader, a source-replay mix ...). A
 * batch is whatever `augment` takes: a tensor (disposed by the loop after augmenting) or, for
 * the data helper's `BatchLoader`, a uint8 `Batch` fed to `augmentViews`.
 */
export interface BatchSampler<B = tf.Tensor4D> {
  next(): Promise<B> | B;
  /** the sampler's position as plain data, for checkpoints */
  state?(): unknown;
  restore?(state: unknown): void;
}

/** Builds the views of a batch (two global views first, then optional small crops). */
export type Augment<B = tf.Tensor4D> = (batch: B, rng: SeededRandom) => tf.Tensor4D[];

/** Metrics emitted every `logEvery` steps. */
export interface SslMetrics {
  step: number;
  loss: number;
  lr: number;
  /** mean per-dimension std of the normalised embedding, and that times √d (≈1 healthy) */
  embeddingStd: number;
  embeddingSpread: number;
  collapsed: boolean;
  knnAccuracy?: number;
  imagesPerSecond: number;
}

/** Everything needed to resume a stage exactly. */
export interface TrainState {
  version: 1;
  /** optimiser steps completed */
  step: number;
  totalSteps: number;
  method: MethodState;
  optimizer: OptimizerState;
  rng: number;
  sampler?: unknown;
}

/** Options of `trainSsl`. */
export interface TrainSslOptions<B = tf.Tensor4D> {
  method: SslMethod;
  sampler: BatchSampler<B>;
  augment: Augment<B>;
  /** total optimiser steps of the stage */
  steps: number;
  optimizer: NamedOptimizer;
  schedule: LrSchedule;
  /** micro-batches per optimiser step (gradient accumulation); default 1 */
  accumulate?: number;
  seed?: number;
  /** metrics every this many steps (default 10), and at the last step */
  logEvery?: number;
  onMetrics?: (m: SslMetrics) => void;
  /** checkpoints every this many steps (default: only at the end and on cancellation) */
  checkpointEvery?: number;
  onCheckpoint?: (state: TrainState) => void | Promise<void>;
  signal?: AbortSignal;
  resume?: TrainState;
  collapse?: CollapseMonitorOptions;
  /** kNN monitor on a labeled subset every `every` steps (multiple of logEvery) */
  knn?: { set: LabeledSet; every: number; options?: KnnOptions };
  /** stop early when the collapse monitor alarms (default false: report and continue) */
  stopOnCollapse?: boolean;
}

/** How a run ended. */
export interface TrainSslResult {
  status: 'done' | 'cancelled' | 'collapsed';
  steps: number;
  last?: SslMetrics;
  state: TrainState;
}

/** Runs (or resumes) one SSL stage. Never leaves tensors behind. */
export async function trainSsl<B = tf.Tensor4D>(o: TrainSslOptions<B>): Promise<TrainSslResult> {
  const accumulate = o.accumulate ?? 1;
  const logEvery = o.logEvery ?? 10;
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`trainSsl: steps must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(accumulate) || accumulate < 1) throw new Error(`trainSsl: accumulate must be a positive integer, got ${accumulate}`);
  const rng = new SeededRandom(o.seed ?? 0);
  let step = 0;
  if (o.resume) {
    if (o.resume.version !== 1) throw new Error(`trainSsl: unsupported state version ${String(o.resume.version)}`);
    o.method.importState(o.resume.method);
    o.optimizer.importState(o.resume.optimizer);
    rng.state = o.resume.rng;
    if (o.resume.sampler !== undefined) o.sampler.restore?.(o.resume.sampler);
    step = o.resume.step;
  }
  const monitor = new CollapseMonitor(o.collapse);
  // plain values are taken before the tensors are read back (nothing trains while it waits)
  const snapshot = async (): Promise<TrainState> => {
    const plain = { version: 1 as const, step, totalSteps: o.steps, rng: rng.state, sampler: o.sampler.state?.() };
    const method = await o.method.exportState();
    const optimizer = await o.optimizer.exportState();
    return { ...plain, method, optimizer };
  };
  let last: SslMetrics | undefined;
  let images = 0;
  let clock = performance.now();
  while (step < o.steps) {
    if (o.signal?.aborted) {
      const state = await snapshot();
      await o.onCheckpoint?.(state);
      return { status: 'cancelled', steps: step, last, state };
    }
    const micro: tf.Tensor4D[][] = [];
    let firstView: tf.Tensor4D | undefined;
    try {
      for (let i = 0; i < accumulate; i++) {
        const batch = await o.sampler.next();
        let views: tf.Tensor4D[];
        try {
          views = o.augment(batch, rng);
        } finally {
          if (batch instanceof tf.Tensor) batch.dispose();
        }
        micro.push(views);
        if (views.length < 2) throw new Error(`trainSsl: augment returned ${views.length} view(s), methods need at least 2`);
        images += views[0].shape[0];
      }
      firstView = micro[0][0];
      const lr = o.schedule(step);
      const info = { step, totalSteps: o.steps };
      const { loss } = sslStep(o.method, o.optimizer, micro, lr, info);
      step++;
      const logNow = step % logEvery === 0 || step === o.steps;
      if (logNow) {
        const lossValue = (await loss.data())[0];
        const emb = o.method.embedding(firstView);
        let spread: CollapseReport;
        try {
          spread = await monitor.check(emb);
        } finally {
          emb.dispose();
        }
        const now = performance.now();
        last = {
          step,
          loss: lossValue,
          lr,
          embeddingStd: spread.std,
          embeddingSpread: spread.ratio,
          collapsed: spread.collapsed,
          imagesPerSecond: (images * 1000) / Math.max(1, now - clock),
        };
        if (o.knn && step % o.knn.every === 0) last.knnAccuracy = await knnMonitorAccuracy((x) => o.method.features(x), o.knn.set, o.knn.options);
        images = 0;
        o.onMetrics?.(last);
        clock = performance.now();
      }
      loss.dispose();
    } finally {
      for (const views of micro) views.forEach((v) => v.dispose());
    }
    if (last?.collapsed && o.stopOnCollapse) {
      const state = await snapshot();
      await o.onCheckpoint?.(state);
      return { status: 'collapsed', steps: step, last, state };
    }
    if (o.checkpointEvery && step % o.checkpointEvery === 0 && step < o.steps) await o.onCheckpoint?.(await snapshot());
  }
  const state = await snapshot();
  await o.onCheckpoint?.(state);
  return { status: 'done', steps: step, last, state };
}
