/**
 * The pretraining stages of the study's arms: supervised pretraining on the labeled source
 * (the shared `base`), and self-supervised stages on the target pool through the engine's own
 * `trainSsl` — BYOL (specialist, HPT, HPT-BN, P2X) or MoCo v2 with sparse source replay and
 * CutMix of the queries (UFT).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '../models/types';
import { disposeParams } from '../models/registry';
import { finetune } from '../finetune/finetune';
import { Byol, byolDefaults } from '../methods/byol';
import { Moco, mocoDefaults } from '../methods/moco';
import type { SslMethod } from '../methods/method';
import { applyView } from '../data/augment/pipeline';
import { sampleViewParams } from '../data/augment/params';
import { normalize } from '../data/augment/ops';
import { GREY } from '../data/augment/policies';
import { NamedOptimizer } from '../train/optimizers';
import { cosineSchedule } from '../train/schedules';
import { SeededRandom } from '../train/seed';
import { trainSsl, type Augment, type BatchSampler } from '../train/train-ssl';
import { allIndices, labeledImages, rawBatch, STUDY_SIZE, type GreySet } from './data';

/** The study's view policy: the `grey` pipeline of the recipes (policies.ts). */
export const GREY_VIEW = GREY;

/**
 * SSL optimiser settings shared by every self-supervised arm. Stages that start from random
 * weights (the specialist) run at `scratchLr`: at 1e-3 BYOL from scratch did not beat random
 * features on the probe within the study's budgets (bench/study/specialist.ts).
 */
export const SSL_OPTIMIZER = { kind: 'adam' as const, lr: 1e-3, scratchLr: 3e-3, weightDecay: 1e-6, warmupFraction: 0.1 };

/** Images an SSL stage draws from: (set, index) pairs. */
export interface PoolRef {
  set: GreySet;
  index: number;
}

/** Every image of a set as pool references. */
export function poolOf(set: GreySet, indices: number[] = allIndices(set.count)): PoolRef[] {
  return indices.map((index) => ({ set, index }));
}

/** Uniform batches with replacement from a pool, seeded; batches are raw [0, 255] 3-channel tensors. */
export function poolSampler(pool: PoolRef[], batch: number, seed: number): BatchSampler {
  if (pool.length === 0) throw new Error('SSL pool is empty');
  const rng = new SeededRandom(seed);
  return {
    next() {
      const refs = Array.from({ length: batch }, () => pool[rng.int(pool.length)]);
      // one set per batch in the usual case; mixed pools gather per set and concatenate
      const sets = [...new Set(refs.map((r) => r.set))];
      if (sets.length === 1) return rawBatch(sets[0], refs.map((r) => r.index));
      return tf.tidy(() => tf.concat(sets.map((s) => rawBatch(s, refs.filter((r) => r.set === s).map((r) => r.index))), 0) as tf.Tensor4D);
    },
  };
}

/** Two views of a raw batch with `GREY_VIEW`, normalised. */
export function greyViews(mean: number, std: number): Augment {
  return (batch, rng) => {
    const [n, h, w] = batch.shape;
    const params = [0, 1].map(() => sampleViewParams(GREY_VIEW, n, h, w, STUDY_SIZE, rng));
    return tf.tidy(() => params.map((p) => normalize(applyView(batch, p, STUDY_SIZE), [mean, mean, mean], [std, std, std])));
  };
}

/** Options of one self-supervised stage. */
export interface SslStageOptions {
  /** BYOL; MoCo v2; or MoCo v2 with UFT's CutMix of the queries */
  method: 'byol' | 'moco' | 'moco-uft';
  steps: number;
  batch: number;
  seed: number;
  pool: PoolRef[];
  mean: number;
  std: number;
  /** HPT-BN: only BatchNorm γ/β of the backbone train (the heads train fully) */
  normOnly?: boolean;
  mocoQueue?: number;
  /** peak learning rate (default `SSL_OPTIMIZER.lr`) */
  lr?: number;
  onLog?: (m: string) => void;
}

/** The SSL method of a stage over the backbone (shares its variables). */
function buildMethod(backbone: Backbone, o: SslStageOptions): SslMethod {
  const backboneTraining = o.normOnly ? 'norm-only' : 'all';
  if (o.method === 'byol') {
    // τ_base 0.99 rather than 0.996: our stages are a few hundred steps, not hundreds of epochs
    return new Byol(backbone, { ...byolDefaults(backbone.featureDim, o.batch), baseMomentum: 0.99, backboneTraining }, o.seed);
  }
  return new Moco(backbone, {
    ...mocoDefaults(backbone.featureDim), queueSize: o.mocoQueue ?? 1024, momentum: 0.99, bnGroups: 2, backboneTraining,
    ...(o.method === 'moco-uft' ? { uft: { alpha: 1, weight: 1 } } : {}),
  }, o.seed);
}

/** Runs one SSL stage on the backbone in place; returns the last logged loss. */
export async function runSslStage(backbone: Backbone, o: SslStageOptions): Promise<{ steps: number; lastLoss: number }> {
  const method = buildMethod(backbone, o);
  const optimizer = new NamedOptimizer({ kind: SSL_OPTIMIZER.kind, weightDecay: SSL_OPTIMIZER.weightDecay });
  const logEvery = Math.max(1, Math.min(25, Math.floor(o.steps / 4)));
  try {
    const r = await trainSsl({
      method, optimizer, steps: o.steps, seed: o.seed, logEvery,
      sampler: poolSampler(o.pool, o.batch, o.seed + 101),
      augment: greyViews(o.mean, o.std),
      schedule: cosineSchedule({ base: o.lr ?? SSL_OPTIMIZER.lr, totalSteps: o.steps, warmupSteps: Math.floor(o.steps * SSL_OPTIMIZER.warmupFraction) }),
      onMetrics: (m) => o.onLog?.(`  ${o.method}${o.normOnly ? ' (BN only)' : ''} step ${m.step}/${o.steps} loss ${m.loss.toFixed(4)} ${m.imagesPerSecond.toFixed(1)} img/s`),
    });
    return { steps: r.steps, lastLoss: r.last?.loss ?? NaN };
  } finally {
    method.dispose();
    optimizer.dispose();
  }
}

/** Options of supervised source pretraining. */
export interface SupervisedOptions {
  source: GreySet;
  numClasses: number;
  steps: number;
  batch: number;
  seed: number;
  mean: number;
  std: number;
  onLog?: (m: string) => void;
}

/**
 * Supervised pretraining on the labeled source (random shift + flip, SGD momentum 0.9, lr 0.05,
 * cosine, weight decay 5e-4): the `base` every adapted arm starts from. The head is discarded.
 * Returns the optimiser steps taken and the final accuracy on a 250-image source subset.
 */
export async function pretrainSupervised(backbone: Backbone, o: SupervisedOptions): Promise<{ steps: number; sourceAccuracy: number }> {
  const fullEpoch = Math.floor(o.source.count / o.batch);
  if (fullEpoch < 1) throw new Error(`source set of ${o.source.count} images is smaller than the batch (${o.batch})`);
  // epochs of equal length that add up to the budget exactly when it divides (600 → 2 × 300)
  const epochs = Math.ceil(o.steps / fullEpoch);
  const perEpoch = Math.ceil(o.steps / epochs);
  const rng = new SeededRandom(o.seed + 5);
  const valIdx = rng.permutation(o.source.count).slice(0, Math.min(250, o.source.count));
  const r = await finetune({
    mode: 'ft', backbone, seed: o.seed, batchSize: o.batch, epochs, maxStepsPerEpoch: perEpoch,
    data: { train: labeledImages(o.source, allIndices(o.source.count), o.numClasses, o.mean, o.std), val: labeledImages(o.source, valIdx, o.numClasses, o.mean, o.std) },
    lr: 0.05, optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    earlyStopping: false, restoreBest: false, tta: false, bootstrapResamples: 0,
  }, { onEpoch: (m) => o.onLog?.(`  base epoch ${m.epoch + 1}/${epochs}: train loss ${m.trainLoss.toFixed(4)}, source val accuracy ${m.valAccuracy.toFixed(4)}`) });
  disposeParams(r.head.params);
  return { steps: epochs * perEpoch, sourceAccuracy: r.evaluation.plain.accuracy };
}
