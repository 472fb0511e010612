/**
 * An online network of an SSL method: a backbone plus projector (and optionally predictor)
 * heads, with all variables in one named map so EMA copies and checkpoints are by name.
 * Backbone names are kept as they are (`layer1.0.conv1.weight`); heads live under
 * `projector.` and `predictor.`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ForwardContext, HeadSpec, MlpBlockSpec, ParamSpec, Params } from '../models/types';
import { createHead, headForward, mlpHeadSpec } from '../models/heads';

/** A backbone with its heads, all variables in `params`. */
export interface SslNetwork {
  backbone: Backbone;
  params: Params;
  specs: ParamSpec[];
  projector: HeadSpec;
  predictor?: HeadSpec;
}

/** Sizes of a projector/predictor MLP. */
export interface MlpSize {
  hidden: number;
  out: number;
  /** norm in the hidden layer: LayerNorm for small batches (Blog), BatchNorm as in the papers */
  norm: MlpBlockSpec['norm'];
}

/**
 * Wraps a backbone: adds a projector (featureDim → hidden → out) and, when given, a predictor
 * (out → hidden → out). The backbone's variables are shared, not copied.
 */
export function buildNetwork(backbone: Backbone, projector: MlpSize, predictor: MlpSize | undefined, seed: number): SslNetwork {
  const params: Params = new Map(backbone.params);
  const specs: ParamSpec[] = [...backbone.specs];
  const projSpec = mlpHeadSpec([backbone.featureDim, projector.hidden, projector.out], projector.norm);
  const add = (h: { params: Params; specs: ParamSpec[] }) => {
    for (const [k, v] of h.params) params.set(k, v);
    specs.push(...h.specs);
  };
  add(createHead(projSpec, 'projector', seed + 1));
  let predSpec: HeadSpec | undefined;
  if (predictor) {
    predSpec = mlpHeadSpec([projector.out, predictor.hidden, predictor.out], predictor.norm);
    add(createHead(predSpec, 'predictor', seed + 2));
  }
  return { backbone, params, specs, projector: projSpec, predictor: predSpec };
}

/** Backbone features then projection, with `params` (online or target). */
export function project(net: SslNetwork, params: Params, x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D {
  const h = net.backbone.forwardFeatures(params, x, ctx);
  return headForward(params, 'projector', net.projector, h, ctx);
}

/** Predictor on a projection (identity when the network has none). */
export function predict(net: SslNetwork, params: Params, z: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
  return net.predictor ? headForward(params, 'predictor', net.predictor, z, ctx) : z;
}

/** Names of variables that belong to the head variables this module created (not the backbone). */
export function headNames(net: SslNetwork): string[] {
  return [...net.params.keys()].filter((k) => k.startsWith('projector.') || k.startsWith('predictor.'));
}

/**
 * A target copy of some of the network's variables (all but the predictor by default), as
 * new non-trainable variables: gradients can never reach them.
 */
export function cloneTarget(params: Params, include: (name: string) => boolean = (n) => !n.startsWith('predictor.')): Params {
  const out: Params = new Map();
  for (const [name, v] of params) {
    if (!include(name)) continue;
    out.set(name, tf.tidy(() => tf.variable(v.clone(), false)));
  }
  return out;
}

/** Disposes the head variables this module created (the backbone's stay with their owner). */
export function disposeHeads(net: SslNetwork): void {
  for (const k of headNames(net)) {
    net.params.get(k)?.dispose();
    net.params.delete(k);
  }
}

/** Disposes a target copy. */
export function disposeParamsMap(params: Params): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}
