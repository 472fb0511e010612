/**
 * Collects the named variables of a model while its architecture is laid out, with seeded
 * PyTorch-like initial values, their specs and the BatchNorm layer references.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BnLayerRef, ParamRole, ParamSpec, Params } from './types';
import { kaimingNormalConv, linearUniform, paramSeed } from './init';

/** torchvision-style BatchNorm variable names under a prefix. */
export function bnRef(prefix: string, eps = 1e-5, conv?: string): BnLayerRef {
  return {
    name: prefix,
    gamma: `${prefix}.weight`,
    beta: `${prefix}.bias`,
    mean: `${prefix}.running_mean`,
    variance: `${prefix}.running_var`,
    eps,
    ...(conv ? { conv } : {}),
  };
}

/** Accumulates variables, specs and BN references; `seed` makes the initial values reproducible. */
export class ParamBuilder {
  readonly params: Params = new Map();
  readonly specs: ParamSpec[] = [];
  readonly bnLayers: BnLayerRef[] = [];

  /**
   * @param seed seeds every variable's initial value
   * @param skipInit fill with zeros (ones for scales and variances) instead of random values:
   *   for models whose weights are about to be imported
   */
  constructor(
    readonly seed: number,
    readonly skipInit = false,
  ) {}

  /** Adds one variable; `init` builds its initial value (it is kept, not disposed). */
  add(name: string, shape: number[], role: ParamRole, init: () => tf.Tensor, depthwise = false): string {
    if (this.params.has(name)) throw new Error(`duplicate parameter name "${name}"`);
    const trainable = role !== 'running-mean' && role !== 'running-var';
    const value = this.skipInit
      ? role === 'norm-scale' || role === 'running-var' ? tf.ones(shape) : tf.zeros(shape)
      : tf.tidy(init);
    const v = tf.variable(value, trainable);
    value.dispose();
    this.params.set(name, v);
    this.specs.push({ name, shape: [...shape], role, ...(depthwise ? { depthwise } : {}) });
    return name;
  }

  /** A conv kernel HWIO, Kaiming-normal (fan-out). */
  conv(name: string, k: number, inC: number, outC: number): string {
    const shape = [k, k, inC, outC];
    return this.add(name, shape, 'conv', () => kaimingNormalConv(shape, paramSeed(this.seed, name)));
  }

  /** A depthwise kernel HWC1, Kaiming-normal over kh*kw (PyTorch fan-out of a grouped conv). */
  depthwise(name: string, k: number, channels: number): string {
    const shape = [k, k, channels, 1];
    return this.add(name, shape, 'conv', () =>
      tf.randomNormal(shape, 0, Math.sqrt(2 / (k * k)), 'float32', paramSeed(this.seed, name)), true,
    );
  }

  /** A bias vector, zeros (or PyTorch's uniform when fanIn is given). */
  bias(name: string, size: number, fanIn?: number): string {
    return this.add(name, [size], 'bias', () =>
      fanIn ? linearUniform([size], fanIn, paramSeed(this.seed, name)) : tf.zeros([size]),
    );
  }

  /** A dense kernel [in, out] with PyTorch's default nn.Linear init. */
  dense(name: string, inC: number, outC: number): string {
    return this.add(name, [inC, outC], 'dense', () => linearUniform([inC, outC], inC, paramSeed(this.seed, name)));
  }

  /** A scale/shift pair (GroupNorm, LayerNorm) with explicit names: gamma = 1, beta = 0. */
  scaleShift(gamma: string, beta: string, channels: number): void {
    this.add(gamma, [channels], 'norm-scale', () => tf.ones([channels]));
    this.add(beta, [channels], 'norm-shift', () => tf.zeros([channels]));
  }

  /** A BatchNorm layer with torchvision names under `prefix`; registered in `bnLayers`. */
  batchNorm(prefix: string, channels: number, eps = 1e-5, conv?: string): ReturnType<typeof bnRef> {
    const ref = bnRef(prefix, eps, conv);
    this.scaleShift(ref.gamma, ref.beta, channels);
    this.add(ref.mean, [channels], 'running-mean', () => tf.zeros([channels]));
    this.add(ref.variance, [channels], 'running-var', () => tf.ones([channels]));
    this.bnLayers.push(ref);
    return ref;
  }
}
