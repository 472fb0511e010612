/**
 * One gradient stage of fine-tuning: epochs of shuffled (or class-balanced) mini-batches,
 * weighted cross-entropy, one optimiser with a learning rate per parameter group and a
 * cosine (or constant) schedule, validation after every epoch, best-epoch snapshots, early
 * stopping and cancellation. Every step runs inside `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { headForward } from '../models/heads';
import type { BnMode } from '../models/types';
import { NamedOptimizer, type OptimizerConfig, type TrainableVar } from '../train/optimizers';
import { cosineWithWarmup } from '../train/schedules';
import type { SeededRandom } from '../train/seed';
import { predictProbabilities } from '../eval/features';
import type { LabeledImages } from '../eval/images';
import { accuracy, argmaxRows, confusionMatrix, logLoss, macroF1 } from '../eval/metrics';
import { rocAuc } from '../eval/roc';
import { classifierLogits, disposeSnapshot, snapshot, type Classifier } from './classifier';
import { BestTracker } from './early-stopping';
import { balancedEpoch, shuffledEpoch } from './sampling';
import type { EarlyStopping, EpochMetrics, FinetuneHooks, MonitorMetric, StopReason } from './types';

/** Variables trained together at one learning rate. */
export interface ParamGroup {
  vars: TrainableVar[];
  lr: number;
}

/** What one stage trains and how. */
export interface StageSpec {
  name: string;
  epochs: number;
  groups: ParamGroup[];
  /** BN behaviour of the backbone while training */
  bnMode: BnMode;
  /** backbone frozen: its features are computed outside the gradient tape, in eval mode */
  frozenBackbone: boolean;
}

/** Settings shared by every stage of a run. */
export interface StageRunContext {
  classifier: Classifier;
  train: LabeledImages;
  val: LabeledImages;
  batchSize: number;
  optimizer: OptimizerConfig;
  schedule: 'cosine' | 'constant';
  warmupEpochs: number;
  /** per-class loss weights, or undefined for plain cross-entropy */
  classWeights?: number[];
  sampler: 'shuffle' | 'balanced';
  augment: boolean;
  bnMomentum?: number;
  maxStepsPerEpoch?: number;
  negativeClass?: number;
  earlyStopping?: EarlyStopping;
  monitor: MonitorMetric;
  rng: SeededRandom;
  hooks: FinetuneHooks;
  history: EpochMetrics[];
  /** the best weights over all stages so far (kept by the caller for restore) */
  best: { tracker: BestTracker; snap?: Map<string, tf.Tensor> };
}

/** Validation metrics of the classifier in eval mode (read back asynchronously). */
export async function validate(c: Classifier, val: LabeledImages, batchSize: number, negativeClass?: number): Promise<Pick<EpochMetrics, 'valLoss' | 'valAccuracy' | 'valF1' | 'valAuc'>> {
  const { plain } = await predictProbabilities((x) => classifierLogits(c, x, 'eval'), val, { batchSize });
  if (!plain.every(Number.isFinite)) return { valLoss: NaN, valAccuracy: NaN, valF1: NaN, valAuc: NaN }; // diverged
  const table = { labels: val.labels, probs: plain, numClasses: val.numClasses };
  const preds = argmaxRows(plain, val.numClasses);
  return {
    valLoss: logLoss(table),
    valAccuracy: accuracy(val.labels, preds),
    valF1: macroF1(confusionMatrix(val.labels, preds, val.numClasses)),
    valAuc: rocAuc(table, negativeClass),
  };
}

/** Mean cross-entropy weighted per row (PyTorch's `CrossEntropyLoss(weight=...)`): Σ wᵢ ℓᵢ / Σ wᵢ. */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, rowWeights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, k), tf.logSoftmax(logits)), 1));
    if (!rowWeights) return tf.mean(nll) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(nll, rowWeights)), tf.maximum(tf.sum(rowWeights), 1e-12)) as tf.Scalar;
  });
}

/** Optimiser steps in one epoch: full batches only, capped by `maxStepsPerEpoch`. */
export function batchesPerEpoch(ctx: Pick<StageRunContext, 'train' | 'batchSize' | 'maxStepsPerEpoch'>): number {
  const full = Math.floor(ctx.train.size / Math.min(ctx.batchSize, ctx.train.size));
  const cap = ctx.maxStepsPerEpoch;
  return cap !== undefined && cap > 0 ? Math.min(cap, full) : full;
}

function epochBatches(ctx: StageRunContext): number[][] {
  const n = ctx.train.size;
  const order = ctx.sampler === 'balanced' ? balancedEpoch(ctx.train.labels, ctx.train.numClasses, ctx.rng) : shuffledEpoch(n, ctx.rng);
  const bs = Math.min(ctx.batchSize, n);
  const out: number[][] = [];
  // drop the last incomplete batch (BatchNorm in train mode needs full batches), unless it is the only one
  const steps = batchesPerEpoch(ctx);
  for (let s = 0; out.length < steps; s += bs) out.push(order.slice(s, s + bs));
  return out;
}

/** One optimiser step; returns the batch loss as a kept scalar. */
function trainStep(ctx: StageRunContext, stage: StageSpec, opt: NamedOptimizer, vars: TrainableVar[], idx: number[], factor: number): tf.Scalar {
  const c = ctx.classifier;
  return tf.tidy(() => {
    const x = ctx.train.batch(idx, { augment: ctx.augment, seed: ctx.rng.seedInt() });
    const labels = tf.tensor1d(idx.map((i) => ctx.train.labels[i]), 'int32');
    const rowWeights = ctx.classWeights ? tf.tensor1d(idx.map((i) => ctx.classWeights![ctx.train.labels[i]])) : undefined;
    const bnCtx = { bnMode: stage.bnMode, ...(ctx.bnMomentum !== undefined ? { bnMomentum: ctx.bnMomentum } : {}) };
    const frozen = stage.frozenBackbone ? c.backbone.forwardFeatures(c.backbone.params, x, { bnMode: 'eval' }) : undefined;
    const { value, grads } = tf.variableGrads(() => {
      const feats = frozen ?? c.backbone.forwardFeatures(c.backbone.params, x, bnCtx);
      return weightedCrossEntropy(headForward(c.head, c.headPrefix, c.headSpec, feats, bnCtx), labels, rowWeights);
    }, vars.map((v) => v.variable));
    const byVar = new Map(vars.map((v) => [v.variable.name, v.name]));
    const named = new Map<string, tf.Tensor>();
    for (const [k, g] of Object.entries(grads)) if (byVar.has(k)) named.set(byVar.get(k)!, g);
    opt.apply(vars, named, factor);
    return value;
  });
}

/** Runs a stage to its end, an early stop or a cancellation (the epoch loss and validation are read back asynchronously). */
export async function runStage(ctx: StageRunContext, stage: StageSpec): Promise<StopReason> {
  const vars: TrainableVar[] = stage.groups.flatMap((g) => g.vars.map((v) => ({ ...v, lrScale: g.lr })));
  if (vars.length === 0) throw new Error(`finetune stage '${stage.name}': nothing to train`);
  const stepsPerEpoch = batchesPerEpoch(ctx);
  if (stepsPerEpoch === 0) throw new Error(`finetune stage '${stage.name}': no training batches (train set of ${ctx.train.size})`);
  const totalSteps = stage.epochs * stepsPerEpoch;
  const warmupSteps = Math.min(totalSteps - 1, Math.round(ctx.warmupEpochs * stepsPerEpoch));
  const factorAt = (step: number): number =>
    ctx.schedule === 'constant' ? 1 : cosineWithWarmup(step, { base: 1, totalSteps, warmupSteps: Math.max(0, warmupSteps) });
  const opt = new NamedOptimizer(ctx.optimizer);
  const stop = new BestTracker(ctx.monitor, ctx.earlyStopping);
  const leadLr = stage.groups[0].lr;
  let step = 0;
  try {
    for (let epoch = 0; epoch < stage.epochs; epoch++) {
      let lossSum: tf.Scalar = tf.scalar(0);
      let count = 0;
      for (const idx of epochBatches(ctx)) {
        if (ctx.hooks.signal?.aborted) {
          lossSum.dispose();
          return 'cancelled';
        }
        const loss = trainStep(ctx, stage, opt, vars, idx, factorAt(step));
        const next = tf.add(lossSum, loss) as tf.Scalar;
        lossSum.dispose();
        loss.dispose();
        lossSum = next;
        count++;
        step++;
        ctx.hooks.onStep?.({ stage: stage.name, epoch, step, stepsInStage: totalSteps });
      }
      let lossTotal: number;
      try {
        lossTotal = (await lossSum.data())[0];
      } finally {
        lossSum.dispose();
      }
      const trainLoss = lossTotal / Math.max(1, count);
      const m: EpochMetrics = {
        stage: stage.name, epoch, globalEpoch: ctx.history.length, trainLoss,
        ...(await validate(ctx.classifier, ctx.val, ctx.batchSize, ctx.negativeClass)),
        lr: leadLr * factorAt(Math.max(0, step - 1)),
      };
      ctx.history.push(m);
      if (ctx.best.tracker.update(m)) {
        disposeSnapshot(ctx.best.snap);
        ctx.best.snap = snapshot(ctx.classifier);
      }
      ctx.hooks.onEpoch?.(m);
      if (!Number.isFinite(trainLoss) || Number.isNaN(m.valLoss)) return 'diverged';
      stop.update(m);
      if (stop.shouldStop()) return 'early-stopped';
    }
    return 'completed';
  } finally {
    opt.dispose();
  }
}
