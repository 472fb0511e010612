/**
 * A CIFAR-style ResNet for 28–64 px inputs: a 3×3 stem (stride 1, no max pool), then one
 * stage per width with `blocks` basic blocks, stride 2 from the second stage on, global
 * average pooling. Trainable from scratch on a CPU: the built-in default backbone.
 * Parameter names follow torchvision (`conv1.weight`, `bn1.*`, `layer1.0.conv1.weight`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './types';
import { ParamBuilder } from './builder';
import { batchNorm, conv2d, globalAvgPool, param, relu } from './layers';
import { blockForward, buildBlock, type ResBlock } from './resnet-blocks';

/** Configuration of the small ResNet. */
export interface SmallResNetConfig {
  /** channels per stage; featureDim is the last one */
  widths: number[];
  /** basic blocks per stage (one number for all stages, or one per stage) */
  blocks: number | number[];
  /** input channels (3 for RGB, 1 for grayscale) */
  inChannels: number;
}

/** The default: widths [32, 64, 128], one block per stage, RGB; featureDim 128. */
export const SMALL_RESNET_DEFAULT: SmallResNetConfig = { widths: [32, 64, 128], blocks: 1, inChannels: 3 };

/** Validates and completes a partial config, with errors naming the key. */
export function smallResNetConfig(partial: Partial<SmallResNetConfig> = {}): SmallResNetConfig {
  const c = { ...SMALL_RESNET_DEFAULT, ...partial };
  if (!Array.isArray(c.widths) || c.widths.length === 0 || c.widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error(`small-resnet: config.widths must be a non-empty list of positive integers`);
  }
  const blocks = Array.isArray(c.blocks) ? c.blocks : c.widths.map(() => c.blocks as number);
  if (blocks.length !== c.widths.length || blocks.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new Error(`small-resnet: config.blocks must be a positive integer or one per stage (${c.widths.length})`);
  }
  if (!Number.isInteger(c.inChannels) || c.inChannels < 1) throw new Error('small-resnet: config.inChannels must be a positive integer');
  return { widths: [...c.widths], blocks, inChannels: c.inChannels };
}

/** Builds a small ResNet with seeded initial weights. */
export function createSmallResNet(partial: Partial<SmallResNetConfig> = {}, seed = 0, skipInit = false): Backbone {
  const config = smallResNetConfig(partial);
  const b = new ParamBuilder(seed, skipInit);
  const stem = b.conv('conv1.weight', 3, config.inChannels, config.widths[0]);
  const stemBn = b.batchNorm('bn1', config.widths[0], 1e-5, stem);
  const blocks: ResBlock[] = [];
  let inC = config.widths[0];
  config.widths.forEach((w, s) => {
    const n = (config.blocks as number[])[s];
    for (let i = 0; i < n; i++) {
      blocks.push(buildBlock(b, `layer${s + 1}.${i}`, 'basic', inC, w, i === 0 && s > 0 ? 2 : 1));
      inC = w;
    }
  });
  return {
    arch: 'small-resnet',
    config: { ...config },
    featureDim: inC,
    params: b.params,
    specs: b.specs,
    bnLayers: b.bnLayers,
    forwardFeatures(params, x, ctx) {
      let h = conv2d(x, param(params, stem), { padding: 1 });
      h = relu(batchNorm(params, stemBn, h, ctx) as tf.Tensor4D);
      for (const block of blocks) h = blockForward(params, block, h, ctx);
      return globalAvgPool(h);
    },
  };
}
