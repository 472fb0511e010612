/**
 * Functional building blocks over named parameters. Kernels are HWIO (depthwise HWC1),
 * dense kernels [in, out], activations NHWC. Normalisation follows PyTorch's conventions
 * (eps 1e-5, momentum 0.1, running variance stored unbiased) so imported weights behave
 * as they did in the framework they came from.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BnLayerRef, ForwardContext, Params } from './types';

/** Looks a variable up by name, with an error naming it when it is missing. */
export function param(params: Params, name: string): tf.Variable {
  const v = params.get(name);
  if (!v) throw new Error(`model parameter "${name}" is missing`);
  return v;
}

/**
 * Padding: a number is PyTorch's symmetric explicit padding; `[top, bottom, left, right]`
 * is explicit asymmetric padding (Keras' `correct_pad`); 'same' / 'valid' are TensorFlow's.
 */
export type Padding = number | 'same' | 'valid' | [number, number, number, number];

/** Options of a convolution. */
export interface ConvOptions {
  stride?: number;
  padding?: Padding;
  dilation?: number;
}

function tfPadding(p: Padding | undefined): 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] {
  if (p === undefined) return 0;
  if (Array.isArray(p)) return [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
  return p;
}

/** 2-D convolution with an HWIO kernel; no bias. */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor, opts: ConvOptions = {}): tf.Tensor4D {
  const s = opts.stride ?? 1;
  const d = opts.dilation ?? 1;
  return tf.conv2d(x, kernel as tf.Tensor4D, [s, s], tfPadding(opts.padding), 'NHWC', [d, d]);
}

/** Depthwise convolution with an HWC1 kernel (PyTorch conv with groups = channels). */
export function depthwiseConv2d(x: tf.Tensor4D, kernel: tf.Tensor, opts: ConvOptions = {}): tf.Tensor4D {
  const s = opts.stride ?? 1;
  const d = opts.dilation ?? 1;
  return tf.depthwiseConv2d(x, kernel as tf.Tensor4D, [s, s], tfPadding(opts.padding), 'NHWC', [d, d]);
}

/** Axes of an HWIO kernel's fan-in (H, W, I): one mean / variance per output channel. */
const FAN_IN_AXES = [0, 1, 2];

/** The weight-standardisation op for one eps (customGrad takes tensors only), built on first use. */
const standardizeOps = new Map<number, (kernel: tf.Tensor) => tf.Tensor>();

function standardizeOp(eps: number): (kernel: tf.Tensor) => tf.Tensor {
  let op = standardizeOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args) => {
      const kernel = args[0] as tf.Tensor;
      const save = args[1] as tf.GradSaveFunc;
      const { mean, variance } = tf.moments(kernel, FAN_IN_AXES, true);
      const sigma = tf.sqrt(tf.add(variance, eps));
      const y = tf.div(tf.sub(kernel, mean), sigma);
      save([y, sigma]);
      return {
        value: y,
        gradFunc: (dy, saved) => {
          const [ys, s] = saved;
          const g = dy as tf.Tensor;
          const meanDy = tf.mean(g, FAN_IN_AXES, true);
          const meanDyY = tf.mean(tf.mul(g, ys), FAN_IN_AXES, true);
          return tf.div(tf.sub(tf.sub(g, meanDy), tf.mul(ys, meanDyY)), s);
        },
      };
    }) as (kernel: tf.Tensor) => tf.Tensor;
    standardizeOps.set(eps, op);
  }
  return op;
}

/**
 * Weight standardisation (Qiao et al.; BiT): each output filter of an HWIO kernel is
 * shifted and scaled to zero mean and unit (biased) variance over H, W, I:
 *
 *   y = (w − μ) / σ,   μ = mean(w),   σ = √(var(w) + eps)      (per output channel, over H, W, I)
 *
 * with a hand-written gradient (the exact derivative, eps included through σ):
 *
 *   dw = (dy − mean(dy) − y · mean(dy · y)) / σ                 (means over H, W, I)
 *
 * so the backward pass keeps only y (which the convolution keeps anyway) and σ (one value per
 * output channel), where autodiff would keep several kernel-sized intermediates of the forward
 * per convolution until the gradients are done (issue 25: on bit-r101x1 the two online
 * forwards of BYOL filled wasm's 4 GB with them), and runs a handful of kernel-sized ops instead
 * of the chain back through tf.moments. Forward values are those of the plain formula.
 */
export function standardizeKernel(kernel: tf.Tensor, eps = 1e-10): tf.Tensor4D {
  return standardizeOp(eps)(kernel) as tf.Tensor4D;
}

/** Convolution with a weight-standardised kernel (BiT's StdConv2d). */
export function stdConv2d(x: tf.Tensor4D, kernel: tf.Tensor, opts: ConvOptions = {}, eps = 1e-10): tf.Tensor4D {
  return conv2d(x, standardizeKernel(kernel, eps), opts);
}

/** x * scale + shift per channel, with scale = gamma / sqrt(var + eps), shift = beta - mean * scale. */
function normalizeWith(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
  const shift = tf.sub(beta, tf.mul(mean, scale));
  return tf.add(tf.mul(x, scale), shift);
}

/**
 * BatchNorm over NHWC (per channel over N, H, W) or NC input, honouring the context:
 * - 'eval': running statistics, nothing updated;
 * - 'train': batch statistics (biased variance to normalise), running statistics updated
 *   with `momentum` and the unbiased variance, as PyTorch does;
 * - 'batch-no-update': batch statistics, running statistics untouched.
 * With `bnGroups` = G > 1 the batch is split into G equal consecutive groups, each
 * normalised with its own statistics (shuffle-BN emulation); the running update then uses
 * the mean over groups of their means and unbiased variances (as averaging G devices' buffers).
 */
export function batchNorm(params: Params, ref: BnLayerRef, x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
  ctx.onBnInput?.(ref.name, x);
  const gamma = param(params, ref.gamma);
  const beta = param(params, ref.beta);
  const runningMean = param(params, ref.mean);
  const runningVar = param(params, ref.variance);
  if (ctx.bnMode === 'eval') return normalizeWith(x, runningMean, runningVar, gamma, beta, ref.eps);

  const groups = ctx.bnGroups ?? 1;
  const n = x.shape[0];
  if (!Number.isInteger(groups) || groups < 1 || n % groups !== 0) {
    throw new Error(`BatchNorm "${ref.name}": batch of ${n} cannot be split into ${groups} equal BN groups`);
  }
  const channels = x.shape[x.rank - 1];
  const perGroup = (x.size / channels) / groups; // values per channel per group
  if (perGroup < 2 && ctx.bnMode === 'train') {
    throw new Error(`BatchNorm "${ref.name}": train mode needs more than one value per channel (got ${perGroup})`);
  }
  let y: tf.Tensor;
  let batchMean: tf.Tensor;
  let batchVar: tf.Tensor;
  if (groups === 1) {
    const axes = [...Array(x.rank - 1).keys()];
    const m = tf.moments(x, axes);
    y = normalizeWith(x, m.mean, m.variance, gamma, beta, ref.eps);
    batchMean = m.mean;
    batchVar = m.variance;
  } else {
    const xg = tf.reshape(x, [groups, n / groups, ...x.shape.slice(1)]);
    const axes = [...Array(x.rank).keys()].slice(1); // all but group and channel
    const m = tf.moments(xg, axes, true);
    // γ and β at the statistics' rank: tfjs-backend-webgpu 4.22 compiles no shader for a binary
    // op between a rank-1 and a rank-5 tensor ("cannot index type 'vec5'"); same values either way
    const keep = m.variance.shape.map((d, i) => (i === 0 ? 1 : d));
    const scale = tf.mul(tf.reshape(gamma, keep), tf.rsqrt(tf.add(m.variance, ref.eps)));
    const shift = tf.sub(tf.reshape(beta, keep), tf.mul(m.mean, scale));
    y = tf.reshape(tf.add(tf.mul(xg, scale), shift), x.shape);
    batchMean = tf.mean(tf.reshape(m.mean, [groups, channels]), 0);
    batchVar = tf.mean(tf.reshape(m.variance, [groups, channels]), 0);
  }
  if (ctx.bnMode === 'train') {
    const momentum = ctx.bnMomentum ?? 0.1;
    const unbiased = tf.mul(batchVar, perGroup / (perGroup - 1));
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(batchMean, momentum)));
    runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
  }
  return y;
}

/** GroupNorm over NHWC input: statistics per sample and per group of C/groups channels. */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`GroupNorm: ${c} channels are not divisible into ${groups} groups`);
  const xg = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(xg, [1, 2, 4], true);
  const normed = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]);
  return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor4D;
}

/** LayerNorm over the last axis. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, [x.rank - 1], true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** Dense layer: x [N, in] · kernel [in, out] (+ bias). */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  const y = tf.matMul(x, kernel as tf.Tensor2D);
  return (bias ? tf.add(y, bias) : y) as tf.Tensor2D;
}

/** max(x, 0). */
export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}

/** Swish / SiLU: x · sigmoid(x). */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x)) as T;
}

/** Max pooling; a numeric padding behaves as PyTorch's (padded cells never win). */
export function maxPool(x: tf.Tensor4D, size: number, stride: number, padding: Padding = 0): tf.Tensor4D {
  return tf.maxPool(x, [size, size], [stride, stride], tfPadding(padding) as 'same' | 'valid' | number);
}

/** Global average pooling NHWC → NC. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** Zero padding of H and W: [top, bottom, left, right]. */
export function pad2d(x: tf.Tensor4D, p: [number, number, number, number], value = 0): tf.Tensor4D {
  return tf.pad(x, [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]], value);
}
