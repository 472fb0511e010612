/**
 * Time of one self-supervised optimiser step as a pretrain stage takes it: the stage's method
 * and heads (`methodForStage`), its optimizer and weight decay, two views of a random batch,
 * `sslStep` (gradients of the method's loss, the optimizer, the end-of-step hook such as the
 * EMA target update). Used by the run estimate (`run.benchmark`, so `--dry-run` and the wizard
 * time the stage they estimate) and by `bench/ssl/step-time.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedStage } from '../../shared/schemas/run';
import { installTfjsEsmFix } from './tfjs-esm-fix';
import { median } from './train-bench';

/** A resolved pretrain stage (its method, heads, optimizer, lr). */
export type ResolvedPretrainStage = Extract<ResolvedStage, { kind: 'pretrain' }>;

/** What to measure. */
export interface SslBenchOptions {
  arch: string;
  /** backbone config overrides */
  config?: Record<string, unknown>;
  stage: ResolvedPretrainStage;
  /** square input size in pixels */
  size: number;
  batch: number;
  /** timed steps (after warm-up) */
  steps: number;
  /** untimed steps first (default 1) */
  warmup?: number;
}

/** The measurement. */
export interface SslBenchResult {
  stepMsMedian: number;
  stepMs: number[];
  lastLoss: number;
  /** live tensors after each timed step (flat when nothing leaks) */
  tensors: number[];
}

/** Builds the stage's method over a fresh backbone and times `warmup + steps` SSL steps. */
export async function benchSslStep(opts: SslBenchOptions): Promise<SslBenchResult> {
  if (!Number.isInteger(opts.batch) || opts.batch < 2) throw new Error(`bench ssl: batch must be an integer >= 2, got ${opts.batch}`);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`bench ssl: steps must be a positive integer, got ${opts.steps}`);
  installTfjsEsmFix();
  const { createBackbone, disposeParams } = await import('../models/registry');
  const { methodForStage } = await import('../methods/registry');
  const { NamedOptimizer } = await import('../train/optimizers');
  const { sslStep } = await import('../train/step');
  const warmup = opts.warmup ?? 1;
  const backbone = createBackbone(opts.arch, opts.config ?? {}, 0);
  const method = methodForStage(opts.stage, backbone, opts.batch, 0);
  const optimizer = new NamedOptimizer({ kind: opts.stage.optimizer, weightDecay: opts.stage.weightDecay });
  const views = [1, 2].map((seed) => tf.randomNormal([opts.batch, opts.size, opts.size, 3], 0, 1, 'float32', seed) as tf.Tensor4D);
  const stepMs: number[] = [];
  const tensors: number[] = [];
  let lastLoss = NaN;
  try {
    for (let i = 0; i < warmup + opts.steps; i++) {
      const t0 = performance.now();
      const r = sslStep(method, optimizer, [views], opts.stage.lr, { step: i, totalSteps: Math.max(1000, opts.stage.totalSteps) });
      lastLoss = (await r.loss.data())[0];
      r.loss.dispose();
      const ms = performance.now() - t0;
      if (!Number.isFinite(lastLoss)) throw new Error(`bench ssl: the ${opts.stage.method} loss became ${lastLoss} at step ${i + 1}`);
      if (i >= warmup) {
        stepMs.push(ms);
        tensors.push(tf.memory().numTensors);
      }
    }
  } finally {
    views.forEach((v) => v.dispose());
    method.dispose();
    optimizer.dispose();
    disposeParams(backbone.params);
  }
  return { stepMsMedian: median(stepMs), stepMs, lastLoss, tensors };
}
