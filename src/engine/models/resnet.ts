/**
 * torchvision ResNet-18 / ResNet-50 (BatchNorm, ImageNet stem: 7×7/2 conv, 3×3/2 max pool)
 * with torchvision's parameter names, so importing a PyTorch state dict is a name match
 * plus a layout change. The classifier `fc` is a head (see heads.ts), not part of the backbone.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './types';
import { ParamBuilder } from './builder';
import { batchNorm, conv2d, globalAvgPool, maxPool, param, relu } from './layers';
import { blockForward, blockOutChannels, buildBlock, type ResBlock } from './resnet-blocks';

/** Configuration of a torchvision-style ResNet. */
export interface ResNetConfig {
  block: 'basic' | 'bottleneck';
  layers: number[];
  /** stem width; stage widths are width, 2·width, 4·width, 8·width */
  width: number;
  inChannels: number;
  /** which conv of a block strides: torchvision's 3×3 ("v1.5", default) or Keras/Caffe's first 1×1 */
  strideOn?: '3x3' | '1x1';
  /** BatchNorm epsilon (Keras applications' ResNet uses 1.001e-5) */
  bnEps?: number;
}

/** The standard depths. */
export const RESNET_PRESETS: Record<string, ResNetConfig> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], width: 64, inChannels: 3 },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], width: 64, inChannels: 3 },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], width: 64, inChannels: 3 },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3], width: 64, inChannels: 3 },
};

/** Builds a ResNet from a preset name and optional overrides (e.g. a smaller `width` for tests). */
export function createResNet(arch: string, overrides: Partial<ResNetConfig> = {}, seed = 0, skipInit = false): Backbone {
  const preset = RESNET_PRESETS[arch];
  if (!preset) throw new Error(`unknown ResNet "${arch}" (known: ${Object.keys(RESNET_PRESETS).join(', ')})`);
  const config = { ...preset, ...overrides };
  if (!Number.isInteger(config.width) || config.width < 1) throw new Error(`${arch}: config.width must be a positive integer`);
  if (config.strideOn !== undefined && config.strideOn !== '3x3' && config.strideOn !== '1x1') throw new Error(`${arch}: config.strideOn must be "3x3" or "1x1"`);
  if (config.layers.length !== 4 || config.layers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${arch}: config.layers must be four positive integers`);
  }
  const b = new ParamBuilder(seed, skipInit);
  const stem = b.conv('conv1.weight', 7, config.inChannels, config.width);
  const stemBn = b.batchNorm('bn1', config.width, config.bnEps ?? 1e-5, stem);
  const blocks: ResBlock[] = [];
  let inC = config.width;
  config.layers.forEach((n, s) => {
    const planes = config.width * 2 ** s;
    for (let i = 0; i < n; i++) {
      blocks.push(buildBlock(b, `layer${s + 1}.${i}`, config.block, inC, planes, i === 0 && s > 0 ? 2 : 1, config.bnEps ?? 1e-5, config.strideOn === '1x1'));
      inC = blockOutChannels(config.block, planes);
    }
  });
  return {
    arch,
    config: { ...config },
    featureDim: inC,
    params: b.params,
    specs: b.specs,
    bnLayers: b.bnLayers,
    forwardFeatures(params, x, ctx) {
      let h = conv2d(x, param(params, stem), { stride: 2, padding: 3 });
      h = relu(batchNorm(params, stemBn, h, ctx) as tf.Tensor4D);
      h = maxPool(h, 3, 2, 1);
      for (const block of blocks) h = blockForward(params, block, h, ctx);
      return globalAvgPool(h);
    },
  };
}
