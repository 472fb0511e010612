/**
 * BYOL (Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020): an online network
 * (backbone → projector → predictor) regresses the projection of a target network that is an
 * EMA of the online one, τ from 0.996 to 1 by a cosine schedule; no negatives.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ForwardContext, Params } from '../models/types';
import { emaUpdate, type MomentumPair } from '../train/ema';
import { cosineMomentum } from '../train/schedules';
import { selectTrainable } from '../train/trainable';
import type { TrainableVar } from '../train/optimizers';
import { byolSymmetricLoss } from './losses';
import type { MethodState, SslMethod, StepInfo } from './method';
import { buildNetwork, cloneTarget, disposeHeads, disposeParamsMap, predict, project, type MlpSize, type SslNetwork } from './network';
import { exportGroups, importGroups } from './state';
import { withoutTape } from './stop-gradient';
import { checkBackboneTraining, checkMlp, checkSetting } from './validate';

/** BYOL settings. */
export interface ByolConfig {
  projector: MlpSize;
  predictor: MlpSize;
  /** τ_base of the cosine target schedule (paper 0.996) */
  baseMomentum: number;
  /** drop the predictor (an ablation known to collapse; used to test the collapse monitor) */
  usePredictor: boolean;
  /** which backbone variables train: all, or HPT-BN's norm affine only */
  backboneTraining: 'all' | 'norm-only' | 'none';
}

/**
 * Defaults for small GPUs: MLPs min(1024, 4·featureDim) → 128, τ_base 0.996. The MLP norm is
 * BatchNorm (paper) when the batch is at least 32 and LayerNorm below (Blog: small batches);
 * on Fashion-MNIST from scratch, BN heads gained 3 kNN points in 60 steps where LN heads
 * gained none in 100.
 */
export function byolDefaults(featureDim: number, batchSize = 32): ByolConfig {
  const hidden = Math.max(128, Math.min(1024, featureDim * 4));
  const norm = batchSize >= 32 ? 'batch' : 'layer';
  return {
    projector: { hidden, out: 128, norm },
    predictor: { hidden, out: 128, norm },
    baseMomentum: 0.996,
    usePredictor: true,
    backboneTraining: 'all',
  };
}

/** BYOL over a backbone whose variables it shares (the online network). */
export class Byol implements SslMethod {
  readonly name = 'byol';
  readonly net: SslNetwork;
  readonly target: Params;
  readonly config: ByolConfig;

  constructor(backbone: Backbone, config: Partial<ByolConfig> = {}, seed = 0) {
    this.config = { ...byolDefaults(backbone.featureDim), ...config };
    const c = this.config;
    checkMlp('byol', 'projector', c.projector);
    if (c.usePredictor) checkMlp('byol', 'predictor', c.predictor);
    checkSetting('byol', 'baseMomentum', c.baseMomentum, { min: 0, max: 1 });
    checkBackboneTraining('byol', c.backboneTraining);
    this.net = buildNetwork(backbone, c.projector, c.usePredictor ? { ...c.predictor, out: c.projector.out } : undefined, seed);
    this.target = cloneTarget(this.net.params);
  }

  trainable(): TrainableVar[] {
    return trainableOf(this.net, this.config.backboneTraining);
  }

  momentumPairs(): MomentumPair[] {
    return [{ target: this.target, online: this.net.params }];
  }

  loss(views: tf.Tensor4D[], _info: StepInfo): tf.Scalar {
    if (views.length < 2) throw new Error(`byol: needs two views, got ${views.length}`);
    const online: ForwardContext = { bnMode: 'train' };
    const target: ForwardContext = { bnMode: 'batch-no-update' };
    const p1 = predict(this.net, this.net.params, project(this.net, this.net.params, views[0], online), online);
    const p2 = predict(this.net, this.net.params, project(this.net, this.net.params, views[1], online), online);
    // The target projections need no gradient: off the tape, or every op of two more backbone
    // forwards keeps its saved tensors until the backward pass ends. On BiT that includes four
    // weight-sized tensors per standardised conv per forward; bit-r50x1 at 64 px, batch 8 then
    // ran out of wasm's 4 GB heap (issue 25). Same values.
    const z1 = withoutTape(() => project(this.net, this.target, views[0], target));
    const z2 = withoutTape(() => project(this.net, this.target, views[1], target));
    return byolSymmetricLoss(p1, p2, z1, z2);
  }

  onStepEnd(info: StepInfo): void {
    const tau = cosineMomentum(info.step, info.totalSteps, this.config.baseMomentum);
    for (const pair of this.momentumPairs()) emaUpdate(pair, tau);
  }

  features(x: tf.Tensor4D): tf.Tensor2D {
    return this.net.backbone.forwardFeatures(this.net.params, x, { bnMode: 'eval' });
  }

  embedding(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => project(this.net, this.net.params, x, { bnMode: 'batch-no-update' }));
  }

  exportState(): Promise<MethodState> {
    return exportGroups(this.name, { online: this.net.params, target: this.target });
  }

  importState(state: MethodState): void {
    importGroups(this.name, state, { online: this.net.params, target: this.target });
  }

  dispose(): void {
    disposeParamsMap(this.target);
    disposeHeads(this.net);
  }
}

/**
 * The trainable variables of an online network: heads always; backbone all, norm affine
 * only (HPT-BN), or none. Names are prefixed `online.`. Norms and biases get no weight decay.
 */
export function trainableOf(net: SslNetwork, backbone: ByolConfig['backboneTraining']): TrainableVar[] {
  const all = selectTrainable(net.params, net.specs, { prefix: 'online.' });
  const isHead = (n: string) => n.startsWith('online.projector.') || n.startsWith('online.predictor.');
  const roles = new Map(net.specs.map((s) => ['online.' + s.name, s.role]));
  return all.filter((v) => {
    if (isHead(v.name) || backbone === 'all') return true;
    if (backbone === 'none') return false;
    const role = roles.get(v.name);
    return role === 'norm-scale' || role === 'norm-shift';
  });
}
