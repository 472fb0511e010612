/**
 * SimCLR (Chen et al., ICML 2020): one network, a projector, NT-Xent over the 2N views of a
 * batch; no momentum encoder, no queue.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ForwardContext } from '../models/types';
import type { MomentumPair } from '../train/ema';
import type { TrainableVar } from '../train/optimizers';
import { ntXentLoss } from './losses';
import type { MethodState, SslMethod, StepInfo } from './method';
import { buildNetwork, disposeHeads, project, type MlpSize, type SslNetwork } from './network';
import { exportGroups, importGroups } from './state';
import { trainableOf } from './byol';
import { checkBackboneTraining, checkMlp, checkSetting } from './validate';

/** SimCLR settings. */
export interface SimclrConfig {
  projector: MlpSize;
  /** NT-Xent temperature (paper range 0.1–0.5) */
  temperature: number;
  backboneTraining: 'all' | 'norm-only' | 'none';
}

/** Defaults: projector featureDim → min(2048, 4·featureDim) → 128 with BatchNorm, τ 0.2. */
export function simclrDefaults(featureDim: number): SimclrConfig {
  return {
    projector: { hidden: Math.min(2048, Math.max(128, featureDim * 4)), out: 128, norm: 'batch' },
    temperature: 0.2,
    backboneTraining: 'all',
  };
}

/** SimCLR over a backbone whose variables it shares. */
export class Simclr implements SslMethod {
  readonly name = 'simclr';
  readonly net: SslNetwork;
  readonly config: SimclrConfig;

  constructor(backbone: Backbone, config: Partial<SimclrConfig> = {}, seed = 0) {
    this.config = { ...simclrDefaults(backbone.featureDim), ...config };
    checkMlp('simclr', 'projector', this.config.projector);
    checkSetting('simclr', 'temperature', this.config.temperature, { min: 0, minExclusive: true });
    checkBackboneTraining('simclr', this.config.backboneTraining);
    this.net = buildNetwork(backbone, this.config.projector, undefined, seed);
  }

  trainable(): TrainableVar[] {
    return trainableOf(this.net, this.config.backboneTraining);
  }

  momentumPairs(): MomentumPair[] {
    return [];
  }

  loss(views: tf.Tensor4D[], _info: StepInfo): tf.Scalar {
    if (views.length < 2) throw new Error(`simclr: needs two views, got ${views.length}`);
    const ctx: ForwardContext = { bnMode: 'train' };
    const z1 = project(this.net, this.net.params, views[0], ctx);
    const z2 = project(this.net, this.net.params, views[1], ctx);
    return ntXentLoss(z1, z2, this.config.temperature);
  }

  onStepEnd(_info: StepInfo): void {}

  features(x: tf.Tensor4D): tf.Tensor2D {
    return this.net.backbone.forwardFeatures(this.net.params, x, { bnMode: 'eval' });
  }

  embedding(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => project(this.net, this.net.params, x, { bnMode: 'batch-no-update' }));
  }

  exportState(): Promise<MethodState> {
    return exportGroups(this.name, { online: this.net.params });
  }

  importState(state: MethodState): void {
    importGroups(this.name, state, { online: this.net.params });
  }

  dispose(): void {
    disposeHeads(this.net);
  }
}
