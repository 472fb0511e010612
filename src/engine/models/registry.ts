/**
 * Backbones by architecture name, and helpers over named parameters (EMA copies, selection
 * of trainable names, disposal).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, ParamSpec, Params } from './types';
import { createSmallResNet } from './small-resnet';
import { RESNET_PRESETS, createResNet } from './resnet';
import { BIT_PRESETS, createBiT } from './bit';
import { EFFICIENTNET_PRESETS, createEfficientNet } from './efficientnet';

type Factory = (config: Record<string, unknown>, seed: number, skipInit: boolean) => Backbone;

/** Name → factory. Configs are partial overrides of each architecture's defaults. */
const FACTORIES: Record<string, Factory> = {
  'small-resnet': (c, s, skip) => createSmallResNet(c, s, skip),
  ...Object.fromEntries(Object.keys(RESNET_PRESETS).map((a): [string, Factory] => [a, (c, s, skip) => createResNet(a, c, s, skip)])),
  ...Object.fromEntries(Object.keys(BIT_PRESETS).map((a): [string, Factory] => [a, (c, s, skip) => createBiT(a, c, s, skip)])),
  ...Object.fromEntries(Object.keys(EFFICIENTNET_PRESETS).map((a): [string, Factory] => [a, (c, s, skip) => createEfficientNet(a, c, s, skip)])),
};

/** Architecture names `createBackbone` accepts. */
export function listArchitectures(): string[] {
  return Object.keys(FACTORIES);
}

/**
 * Builds a backbone with seeded (PyTorch-like, Kaiming-normal) initial weights; with
 * `options.skipInit` the variables are zeros/ones instead (fast, for weights about to be imported).
 */
export function createBackbone(arch: string, config: Record<string, unknown> = {}, seed = 0, options: { skipInit?: boolean } = {}): Backbone {
  const f = FACTORIES[arch];
  if (!f) throw new Error(`unknown architecture "${arch}" (known: ${listArchitectures().join(', ')})`);
  return f(config, seed, options.skipInit ?? false);
}

/** A deep copy of params as new variables with the same trainable flags (e.g. an EMA target). */
export function cloneParams(params: Params): Params {
  const out: Params = new Map();
  for (const [name, v] of params) {
    const copy = tf.clone(v);
    out.set(name, tf.variable(copy, v.trainable));
    copy.dispose();
  }
  return out;
}

/** Names of the variables an optimiser may train (everything but BN running statistics). */
export function trainableNames(model: { specs: ParamSpec[] }): string[] {
  return model.specs.filter((s) => s.role !== 'running-mean' && s.role !== 'running-var').map((s) => s.name);
}

/** Disposes every variable of params and empties the map. */
export function disposeParams(params: Params): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}
