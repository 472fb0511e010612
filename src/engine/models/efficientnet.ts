/**
 * EfficientNet-B0…B4 (Tan & Le 2019) from one implementation with width/depth multipliers:
 * MBConv blocks (1×1 expand, depthwise k×k, squeeze-excitation, 1×1 project), swish, BatchNorm.
 * Parameter names follow torchvision (`features.0.0.weight`, `features.1.0.block.0.0.weight`,
 * `features.2.0.block.2.fc1.weight`, …); the classifier head is `classifier.1`.
 * `padding: 'symmetric'` is torchvision's ((k-1)/2); `'same'` is TensorFlow/Keras' (for
 * weights imported from Keras applications).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, BnLayerRef } from './types';
import { ParamBuilder } from './builder';
import { batchNorm, conv2d, depthwiseConv2d, globalAvgPool, param, swish, type Padding } from './layers';

/** Configuration of an EfficientNet. */
export interface EfficientNetConfig {
  widthMult: number;
  depthMult: number;
  padding: 'symmetric' | 'same';
  bnEps: number;
  inChannels: number;
}

/** B0…B4 multipliers (torchvision / the paper). */
export const EFFICIENTNET_PRESETS: Record<string, EfficientNetConfig> = {
  'efficientnet-b0': { widthMult: 1.0, depthMult: 1.0, padding: 'symmetric', bnEps: 1e-5, inChannels: 3 },
  'efficientnet-b1': { widthMult: 1.0, depthMult: 1.1, padding: 'symmetric', bnEps: 1e-5, inChannels: 3 },
  'efficientnet-b2': { widthMult: 1.1, depthMult: 1.2, padding: 'symmetric', bnEps: 1e-5, inChannels: 3 },
  'efficientnet-b3': { widthMult: 1.2, depthMult: 1.4, padding: 'symmetric', bnEps: 1e-5, inChannels: 3 },
  'efficientnet-b4': { widthMult: 1.4, depthMult: 1.8, padding: 'symmetric', bnEps: 1e-5, inChannels: 3 },
};

/** B0 stages: expand ratio, kernel, stride, in, out, repeats. */
const B0_STAGES: [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1], [6, 3, 2, 16, 24, 2], [6, 5, 2, 24, 40, 2], [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3], [6, 5, 2, 112, 192, 4], [6, 3, 1, 192, 320, 1],
];

/** Rounds channels to a multiple of 8, never more than 10% down (the TF reference rule). */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

interface ConvBn { conv: string; bn: BnLayerRef; k: number; stride: number; depthwise: boolean; act: boolean }
interface MBConv { expand?: ConvBn; dw: ConvBn; se: { fc1: string; fc1b: string; fc2: string; fc2b: string }; project: ConvBn; residual: boolean }

/** Builds an EfficientNet by preset name and optional overrides. */
export function createEfficientNet(arch: string, overrides: Partial<EfficientNetConfig> = {}, seed = 0, skipInit = false): Backbone {
  const preset = EFFICIENTNET_PRESETS[arch];
  if (!preset) throw new Error(`unknown EfficientNet "${arch}" (known: ${Object.keys(EFFICIENTNET_PRESETS).join(', ')})`);
  const config = { ...preset, ...overrides };
  if (!(config.widthMult > 0) || !(config.depthMult > 0)) throw new Error(`${arch}: config.widthMult and depthMult must be positive`);
  if (config.padding !== 'symmetric' && config.padding !== 'same') throw new Error(`${arch}: config.padding must be "symmetric" or "same"`);
  const b = new ParamBuilder(seed, skipInit);
  const convBn = (prefix: string, k: number, inC: number, outC: number, stride: number, depthwise: boolean, act: boolean): ConvBn => {
    const conv = depthwise ? b.depthwise(`${prefix}.0.weight`, k, inC) : b.conv(`${prefix}.0.weight`, k, inC, outC);
    return { conv, bn: b.batchNorm(`${prefix}.1`, outC, config.bnEps, conv), k, stride, depthwise, act };
  };
  const width = (c: number) => makeDivisible(c * config.widthMult);
  const stemOut = width(B0_STAGES[0][3]);
  const stem = convBn('features.0', 3, config.inChannels, stemOut, 2, false, true);
  const blocks: MBConv[] = [];
  B0_STAGES.forEach(([ratio, k, stride, inRaw, outRaw, repeats], s) => {
    const n = Math.ceil(repeats * config.depthMult);
    for (let i = 0; i < n; i++) {
      const inC = i === 0 ? width(inRaw) : width(outRaw);
      const outC = width(outRaw);
      const st = i === 0 ? stride : 1;
      const expanded = makeDivisible(inC * ratio);
      const p = `features.${s + 1}.${i}.block`;
      let idx = 0;
      const expand = expanded !== inC ? convBn(`${p}.${idx++}`, 1, inC, expanded, 1, false, true) : undefined;
      const dw = convBn(`${p}.${idx++}`, k, expanded, expanded, st, true, true);
      const squeeze = Math.max(1, Math.floor(inC / 4));
      const sp = `${p}.${idx++}`;
      const se = {
        fc1: b.conv(`${sp}.fc1.weight`, 1, expanded, squeeze), fc1b: b.bias(`${sp}.fc1.bias`, squeeze),
        fc2: b.conv(`${sp}.fc2.weight`, 1, squeeze, expanded), fc2b: b.bias(`${sp}.fc2.bias`, expanded),
      };
      const project = convBn(`${p}.${idx++}`, 1, expanded, outC, 1, false, false);
      blocks.push({ expand, dw, se, project, residual: st === 1 && inC === outC });
    }
  });
  const lastIn = width(B0_STAGES[B0_STAGES.length - 1][4]);
  const headC = 4 * lastIn;
  const top = convBn(`features.${B0_STAGES.length + 1}`, 1, lastIn, headC, 1, false, true);

  const pad = (k: number): Padding => (config.padding === 'same' ? 'same' : (k - 1) / 2);
  const runConvBn = (params: Map<string, tf.Variable>, c: ConvBn, x: tf.Tensor4D, ctx: Parameters<Backbone['forwardFeatures']>[2]) => {
    const kernel = param(params, c.conv);
    const opts = { stride: c.stride, padding: pad(c.k) };
    let h = c.depthwise ? depthwiseConv2d(x, kernel, opts) : conv2d(x, kernel, opts);
    h = batchNorm(params, c.bn, h, ctx) as tf.Tensor4D;
    return c.act ? swish(h) : h;
  };
  return {
    arch,
    config: { ...config },
    featureDim: headC,
    params: b.params,
    specs: b.specs,
    bnLayers: b.bnLayers,
    forwardFeatures(params, x, ctx) {
      let h = runConvBn(params, stem, x, ctx);
      for (const blk of blocks) {
        let y = blk.expand ? runConvBn(params, blk.expand, h, ctx) : h;
        y = runConvBn(params, blk.dw, y, ctx);
        const pooled = tf.mean(y, [1, 2], true) as tf.Tensor4D;
        let s = tf.add(conv2d(pooled, param(params, blk.se.fc1)), param(params, blk.se.fc1b)) as tf.Tensor4D;
        s = tf.sigmoid(tf.add(conv2d(swish(s), param(params, blk.se.fc2)), param(params, blk.se.fc2b))) as tf.Tensor4D;
        y = runConvBn(params, blk.project, tf.mul(y, s), ctx);
        h = blk.residual ? tf.add(h, y) : y;
      }
      h = runConvBn(params, top, h, ctx);
      return globalAvgPool(h);
    },
  };
}
