/**
 * SwAV (Caron et al., NeurIPS 2020): embeddings scored against learnable prototypes; codes
 * from Sinkhorn-Knopp (ε 0.05, 3 iterations) on the scores of one view are predicted from
 * the scores of the other views (swapped prediction). Multi-crop: views beyond the first two
 * are small crops that predict the two global codes. A feature queue of past global
 * embeddings joins the Sinkhorn batch once full, for small batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ForwardContext, Params } from '../models/types';
import type { MomentumPair } from '../train/ema';
import type { TrainableVar } from '../train/optimizers';
import { l2Normalize, swavSwappedLoss } from './losses';
import type { MethodState, SslMethod, StepInfo } from './method';
import { buildNetwork, disposeHeads, project, type MlpSize, type SslNetwork } from './network';
import { FeatureQueue } from './queue';
import { sinkhornKnopp } from './sinkhorn';
import { stopGradient } from './stop-gradient';
import { exportGroups, importGroups } from './state';
import { trainableOf } from './byol';
import { checkBackboneTraining, checkMlp, checkSetting } from './validate';

/** SwAV settings. */
export interface SwavConfig {
  projector: MlpSize;
  prototypes: number;
  /** softmax temperature of the swapped prediction (paper 0.1) */
  temperature: number;
  epsilon: number;
  sinkhornIterations: number;
  /** rows per global view kept in the feature queue (0 disables) */
  queueSize: number;
  /** prototypes stay frozen for this many first steps (paper: first epoch) */
  freezePrototypesSteps: number;
  backboneTraining: 'all' | 'norm-only' | 'none';
}

/** Defaults for small data: 128-d projection, 100 prototypes, queue of 512 per view. */
export function swavDefaults(featureDim: number): SwavConfig {
  return {
    projector: { hidden: Math.min(2048, Math.max(128, featureDim * 4)), out: 128, norm: 'batch' },
    prototypes: 100,
    temperature: 0.1,
    epsilon: 0.05,
    sinkhornIterations: 3,
    queueSize: 512,
    freezePrototypesSteps: 0,
    backboneTraining: 'all',
  };
}

/** SwAV over a backbone whose variables it shares. */
export class Swav implements SslMethod {
  readonly name = 'swav';
  readonly net: SslNetwork;
  readonly prototypes: tf.Variable;
  readonly queues: FeatureQueue[];
  readonly config: SwavConfig;
  private pending: tf.Tensor2D[][] = [];

  constructor(backbone: Backbone, config: Partial<SwavConfig> = {}, seed = 0) {
    this.config = { ...swavDefaults(backbone.featureDim), ...config };
    const c = this.config;
    checkMlp('swav', 'projector', c.projector);
    checkSetting('swav', 'prototypes', c.prototypes, { min: 1, integer: true });
    checkSetting('swav', 'temperature', c.temperature, { min: 0, minExclusive: true });
    checkSetting('swav', 'epsilon', c.epsilon, { min: 0, minExclusive: true });
    checkSetting('swav', 'sinkhornIterations', c.sinkhornIterations, { min: 1, integer: true });
    checkSetting('swav', 'queueSize', c.queueSize, { min: 0, integer: true });
    checkSetting('swav', 'freezePrototypesSteps', c.freezePrototypesSteps, { min: 0, integer: true });
    checkBackboneTraining('swav', c.backboneTraining);
    this.net = buildNetwork(backbone, c.projector, undefined, seed);
    this.prototypes = tf.tidy(() => tf.variable(l2Normalize(tf.randomNormal([c.prototypes, c.projector.out], 0, 1, 'float32', seed + 5) as tf.Tensor2D)));
    this.queues = c.queueSize > 0 ? [0, 1].map(() => new FeatureQueue(c.queueSize, c.projector.out, 'zeros')) : [];
  }

  trainable(): TrainableVar[] {
    return [...trainableOf(this.net, this.config.backboneTraining), { name: 'prototypes', variable: this.prototypes, decay: true }];
  }

  momentumPairs(): MomentumPair[] {
    return [];
  }

  loss(views: tf.Tensor4D[], info: StepInfo): tf.Scalar {
    if (views.length < 2) throw new Error(`swav: needs two global views, got ${views.length}`);
    const ctx: ForwardContext = { bnMode: 'train' };
    const c = this.config;
    const protos = info.step < c.freezePrototypesSteps ? stopGradient(this.prototypes as tf.Tensor2D) : (this.prototypes as tf.Tensor2D);
    const z = views.map((v) => l2Normalize(project(this.net, this.net.params, v, ctx)));
    const scores = z.map((e) => tf.matMul(e, protos, false, true) as tf.Tensor2D);
    const b = views[0].shape[0];
    let total: tf.Tensor = tf.scalar(0);
    let pairs = 0;
    for (const i of [0, 1]) {
      const detached = stopGradient(scores[i]);
      const queue = this.queues[i];
      const withQueue = queue && queue.filled === queue.size
        ? tf.concat([detached, tf.matMul(queue.values as unknown as tf.Tensor2D, stopGradient(protos), false, true)], 0) as tf.Tensor2D
        : detached;
      const codes = tf.slice(sinkhornKnopp(withQueue, c.epsilon, c.sinkhornIterations), [0, 0], [b, c.prototypes]) as tf.Tensor2D;
      for (let v = 0; v < views.length; v++) {
        if (v === i) continue;
        total = tf.add(total, swavSwappedLoss(codes, scores[v], c.temperature));
        pairs++;
      }
    }
    if (this.queues.length) this.pending.push([0, 1].map((i) => tf.keep(stopGradient(z[i]))));
    return tf.div(total, pairs) as tf.Scalar;
  }

  onStepEnd(_info: StepInfo): void {
    // prototypes stay on the unit sphere (SwAV normalises them after each update)
    tf.tidy(() => this.prototypes.assign(l2Normalize(this.prototypes as tf.Tensor2D)));
    for (const rows of this.pending) {
      rows.forEach((r, i) => {
        this.queues[i].enqueue(r);
        r.dispose();
      });
    }
    this.pending = [];
  }

  features(x: tf.Tensor4D): tf.Tensor2D {
    return this.net.backbone.forwardFeatures(this.net.params, x, { bnMode: 'eval' });
  }

  embedding(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => project(this.net, this.net.params, x, { bnMode: 'batch-no-update' }));
  }

  private groups(): Record<string, Params> {
    const extra: Params = new Map([['weight', this.prototypes]]);
    const q: Params = new Map(this.queues.map((qu, i) => [`${i}`, qu.values]));
    return { online: this.net.params, prototypes: extra, queue: q };
  }

  exportState(): Promise<MethodState> {
    const meta: Record<string, number> = {};
    this.queues.forEach((q, i) => {
      meta[`queue${i}.pointer`] = q.pointer;
      meta[`queue${i}.filled`] = q.filled;
    });
    return exportGroups(this.name, this.groups(), meta);
  }

  importState(state: MethodState): void {
    importGroups(this.name, state, this.groups());
    this.queues.forEach((q, i) => {
      q.pointer = state.meta[`queue${i}.pointer`] ?? 0;
      q.filled = state.meta[`queue${i}.filled`] ?? 0;
    });
  }

  dispose(): void {
    for (const rows of this.pending) rows.forEach((r) => r.dispose());
    this.pending = [];
    this.queues.forEach((q) => q.dispose());
    this.prototypes.dispose();
    disposeHeads(this.net);
  }
}
