/**
 * ResNet v1 residual blocks (He et al. 2016; torchvision layout, stride on the 3×3 conv as
 * in "ResNet v1.5") with torchvision parameter names: `<prefix>.conv1.weight`,
 * `<prefix>.bn1.*`, `<prefix>.downsample.0.weight`, `<prefix>.downsample.1.*`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BnLayerRef, ForwardContext, Params } from './types';
import { ParamBuilder } from './builder';
import { batchNorm, conv2d, param, relu } from './layers';

/** The parameter references of one block, enough to run it. */
export interface ResBlock {
  kind: 'basic' | 'bottleneck';
  stride: number;
  /** index of the strided conv: 0 for basic blocks and Keras-style bottlenecks, 1 for torchvision's */
  stridedConv: number;
  convs: string[];
  bns: BnLayerRef[];
  downsample?: { conv: string; bn: BnLayerRef };
}

/** Output channels of a block of `kind` with `planes` inner channels. */
export function blockOutChannels(kind: ResBlock['kind'], planes: number): number {
  return kind === 'basic' ? planes : planes * 4;
}

/** Declares one block's parameters. */
export function buildBlock(
  b: ParamBuilder, prefix: string, kind: ResBlock['kind'], inC: number, planes: number, stride: number, eps = 1e-5, strideOnFirst = false,
): ResBlock {
  const outC = blockOutChannels(kind, planes);
  const convs: string[] = [];
  const bns: BnLayerRef[] = [];
  const layout = kind === 'basic' ? [[3, inC, planes], [3, planes, planes]] : [[1, inC, planes], [3, planes, planes], [1, planes, outC]];
  layout.forEach(([k, i, o], idx) => {
    const conv = b.conv(`${prefix}.conv${idx + 1}.weight`, k, i, o);
    convs.push(conv);
    bns.push(b.batchNorm(`${prefix}.bn${idx + 1}`, o, eps, conv));
  });
  let downsample: ResBlock['downsample'];
  if (stride !== 1 || inC !== outC) {
    const conv = b.conv(`${prefix}.downsample.0.weight`, 1, inC, outC);
    downsample = { conv, bn: b.batchNorm(`${prefix}.downsample.1`, outC, eps, conv) };
  }
  return { kind, stride, stridedConv: kind === 'basic' || strideOnFirst ? 0 : 1, convs, bns, downsample };
}

/** Runs one block. */
export function blockForward(params: Params, block: ResBlock, x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
  let out: tf.Tensor4D = x;
  const last = block.convs.length - 1;
  block.convs.forEach((conv, i) => {
    const kernel = param(params, conv);
    const k = kernel.shape[0];
    const stride = i === block.stridedConv ? block.stride : 1;
    out = conv2d(out, kernel, { stride, padding: (k - 1) / 2 });
    out = batchNorm(params, block.bns[i], out, ctx) as tf.Tensor4D;
    if (i < last) out = relu(out);
  });
  let shortcut = x;
  if (block.downsample) {
    shortcut = conv2d(x, param(params, block.downsample.conv), { stride: block.stride });
    shortcut = batchNorm(params, block.downsample.bn, shortcut, ctx) as tf.Tensor4D;
  }
  return relu(tf.add(out, shortcut));
}
