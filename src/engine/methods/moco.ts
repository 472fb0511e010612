/**
 * MoCo v2 (He et al., CVPR 2020; Chen et al., arXiv:2003.04297): a query encoder trained by
 * InfoNCE against the momentum key encoder's key of the other view and a queue of K past
 * keys; shuffle-BN emulated on one device. With `uft` set it becomes UFT's unsupervised
 * finetuning: CutMix on the query views and the λ-weighted two-positive InfoNCE added.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ForwardContext, Params } from '../models/types';
import { emaUpdate, type MomentumPair } from '../train/ema';
import { cosineMomentum } from '../train/schedules';
import { SeededRandom } from '../train/seed';
import type { TrainableVar } from '../train/optimizers';
import { cutMix } from '../data/augment/cutmix';
import { infoNceLoss, l2Normalize, mixedInfoNceLoss } from './losses';
import type { MethodState, SslMethod, StepInfo } from './method';
import { buildNetwork, cloneTarget, disposeHeads, disposeParamsMap, project, type MlpSize, type SslNetwork } from './network';
import { FeatureQueue } from './queue';
import { bnGroupsFor, withShuffledBatch } from './shuffle-bn';
import { exportGroups, importGroups } from './state';
import { withoutTape } from './stop-gradient';
import { trainableOf } from './byol';
import { checkBackboneTraining, checkMlp, checkSetting } from './validate';

/** MoCo v2 settings (HPT defaults: dim 128, K 65536, m 0.999, τ 0.2). */
export interface MocoConfig {
  projector: MlpSize;
  /** queue length K; must be a multiple of the (micro-)batch */
  queueSize: number;
  temperature: number;
  /** key encoder momentum m */
  momentum: number;
  /** 'constant' (MoCo) or 'cosine' from `momentum` to 1 */
  momentumSchedule: 'constant' | 'cosine';
  /** shuffle-BN groups for BN backbones (1 disables); reduced when the batch does not divide */
  bnGroups: number;
  backboneTraining: 'all' | 'norm-only' | 'none';
  /** UFT data mixing: CutMix α and the weight of the mixed loss; absent = plain MoCo v2 */
  uft?: { alpha: number; weight: number };
}

/** Defaults for a small GPU: MLP featureDim → 2048 (capped at 4×featureDim) → 128, K 4096. */
export function mocoDefaults(featureDim: number): MocoConfig {
  return {
    projector: { hidden: Math.min(2048, Math.max(128, featureDim * 4)), out: 128, norm: 'none' },
    queueSize: 4096,
    temperature: 0.2,
    momentum: 0.999,
    momentumSchedule: 'constant',
    bnGroups: 2,
    backboneTraining: 'all',
  };
}

/** MoCo v2 over a backbone whose variables it shares (the query encoder). */
export class Moco implements SslMethod {
  readonly name: string;
  readonly net: SslNetwork;
  readonly key: Params;
  readonly queue: FeatureQueue;
  readonly config: MocoConfig;
  private readonly rng: SeededRandom;
  private pending: tf.Tensor2D[] = [];

  constructor(backbone: Backbone, config: Partial<MocoConfig> = {}, seed = 0) {
    this.config = { ...mocoDefaults(backbone.featureDim), ...config };
    this.name = this.config.uft ? 'uft' : 'moco';
    const c = this.config;
    checkMlp(this.name, 'projector', c.projector);
    checkSetting(this.name, 'queueSize', c.queueSize, { min: 1, integer: true });
    checkSetting(this.name, 'temperature', c.temperature, { min: 0, minExclusive: true });
    checkSetting(this.name, 'momentum', c.momentum, { min: 0, max: 1 });
    checkSetting(this.name, 'bnGroups', c.bnGroups, { min: 1, integer: true });
    if (!['constant', 'cosine'].includes(c.momentumSchedule)) throw new Error(`${this.name}: setting 'momentumSchedule' must be constant or cosine`);
    checkBackboneTraining(this.name, c.backboneTraining);
    if (c.uft) {
      checkSetting(this.name, 'uft.alpha', c.uft.alpha, { min: 0, minExclusive: true });
      checkSetting(this.name, 'uft.weight', c.uft.weight, { min: 0 });
    }
    this.net = buildNetwork(backbone, this.config.projector, undefined, seed);
    this.key = cloneTarget(this.net.params);
    this.queue = new FeatureQueue(this.config.queueSize, this.config.projector.out, 'random', seed + 3);
    this.rng = new SeededRandom(seed + 4);
  }

  trainable(): TrainableVar[] {
    return trainableOf(this.net, this.config.backboneTraining);
  }

  momentumPairs(): MomentumPair[] {
    return [{ target: this.key, online: this.net.params }];
  }

  loss(views: tf.Tensor4D[], _info: StepInfo): tf.Scalar {
    if (views.length < 2) throw new Error(`${this.name}: needs two views, got ${views.length}`);
    const n = views[0].shape[0];
    if (this.queue.size % n !== 0) {
      throw new Error(`${this.name}: queue size ${this.queue.size} must be a multiple of the batch ${n}`);
    }
    const groups = this.net.backbone.bnLayers.length > 0 ? bnGroupsFor(n, this.config.bnGroups) : 1;
    const qCtx: ForwardContext = { bnMode: 'train', bnGroups: groups };
    const kCtx: ForwardContext = { bnMode: 'batch-no-update', bnGroups: groups };
    const q = project(this.net, this.net.params, views[0], qCtx);
    // the key encoder needs no gradient: off the tape, its forward keeps nothing for the backward
    // pass (on BiT, weight-standardised kernels of the whole backbone; see byol.ts). Same values.
    const k = withoutTape(() => l2Normalize(withShuffledBatch(views[1], this.rng, (x) => project(this.net, this.key, x, kCtx))));
    const negatives = this.queue.values as unknown as tf.Tensor2D;
    let loss = infoNceLoss(q, k, negatives, this.config.temperature);
    if (this.config.uft) {
      const { mixed, lambda, permutation } = cutMix(views[0], this.config.uft.alpha, this.rng);
      const qm = project(this.net, this.net.params, mixed, qCtx);
      const mixLoss = mixedInfoNceLoss(qm, k, permutation, negatives, this.config.temperature, tf.tensor1d(lambda));
      loss = tf.add(loss, tf.mul(this.config.uft.weight, mixLoss));
    }
    this.pending.push(tf.keep(k));
    return loss;
  }

  onStepEnd(info: StepInfo): void {
    const m = this.config.momentumSchedule === 'cosine' ? cosineMomentum(info.step, info.totalSteps, this.config.momentum) : this.config.momentum;
    emaUpdate({ target: this.key, online: this.net.params }, m);
    for (const k of this.pending) {
      this.queue.enqueue(k);
      k.dispose();
    }
    this.pending = [];
  }

  features(x: tf.Tensor4D): tf.Tensor2D {
    return this.net.backbone.forwardFeatures(this.net.params, x, { bnMode: 'eval' });
  }

  embedding(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => project(this.net, this.net.params, x, { bnMode: 'batch-no-update' }));
  }

  exportState(): Promise<MethodState> {
    return exportGroups(this.name, { online: this.net.params, key: this.key, queue: new Map([['values', this.queue.values]]) }, {
      queuePointer: this.queue.pointer,
      rng: this.rng.state,
    });
  }

  importState(state: MethodState): void {
    importGroups(this.name, state, { online: this.net.params, key: this.key, queue: new Map([['values', this.queue.values]]) });
    this.queue.pointer = state.meta.queuePointer ?? 0;
    if (state.meta.rng !== undefined) this.rng.state = state.meta.rng;
  }

  dispose(): void {
    for (const k of this.pending) k.dispose();
    this.pending = [];
    this.queue.dispose();
    disposeParamsMap(this.key);
    disposeHeads(this.net);
  }
}
