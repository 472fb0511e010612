/**
 * BiT ResNet v2 (Kolesnikov et al. 2020): pre-activation bottlenecks with GroupNorm(32) and
 * weight-standardised convolutions, stride on the 3×3 conv. Parameter names are BiT's own
 * (the keys of its public `.npz` files): `resnet/root_block/standardized_conv2d/kernel`,
 * `resnet/block1/unit01/a/group_norm/gamma`, `resnet/block1/unit01/a/proj/standardized_conv2d/kernel`,
 * `resnet/group_norm/{gamma,beta}`; the classifier `resnet/head/conv2d` is a head.
 * No BatchNorm, so small batches are fine.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from './types';
import { ParamBuilder } from './builder';
import { globalAvgPool, groupNorm, maxPool, pad2d, param, relu, stdConv2d } from './layers';

/** Configuration of a BiT ResNet v2. */
export interface BiTConfig {
  layers: number[];
  /** width factor (x1, x3 …) */
  widthFactor: number;
  groups: number;
  inChannels: number;
}

/** R50x1 and R101x1. */
export const BIT_PRESETS: Record<string, BiTConfig> = {
  'bit-r50x1': { layers: [3, 4, 6, 3], widthFactor: 1, groups: 32, inChannels: 3 },
  'bit-r101x1': { layers: [3, 4, 23, 3], widthFactor: 1, groups: 32, inChannels: 3 },
};

const GN_EPS = 1e-5;
const WS_EPS = 1e-10;

interface Unit { prefix: string; stride: number; proj?: string }

const gnNames = (p: string) => ({ gamma: `${p}/group_norm/gamma`, beta: `${p}/group_norm/beta` });
const convName = (p: string) => `${p}/standardized_conv2d/kernel`;

/** Builds a BiT ResNet v2 by preset name and optional overrides (e.g. fewer `layers` for tests). */
export function createBiT(arch: string, overrides: Partial<BiTConfig> = {}, seed = 0, skipInit = false): Backbone {
  const preset = BIT_PRESETS[arch];
  if (!preset) throw new Error(`unknown BiT model "${arch}" (known: ${Object.keys(BIT_PRESETS).join(', ')})`);
  const config = { ...preset, ...overrides };
  if (config.layers.length !== 4 || config.layers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${arch}: config.layers must be four positive integers`);
  }
  const wf = config.widthFactor;
  const b = new ParamBuilder(seed, skipInit);
  const root = b.conv(convName('resnet/root_block'), 7, config.inChannels, 64 * wf);
  const units: Unit[] = [];
  let inC = 64 * wf;
  config.layers.forEach((n, s) => {
    const mid = 64 * wf * 2 ** s;
    const out = mid * 4;
    for (let i = 0; i < n; i++) {
      const prefix = `resnet/block${s + 1}/unit${String(i + 1).padStart(2, '0')}`;
      const stride = i === 0 && s > 0 ? 2 : 1;
      const g = (sub: string, c: number) => { const nm = gnNames(`${prefix}/${sub}`); b.scaleShift(nm.gamma, nm.beta, c); };
      g('a', inC);
      const proj = i === 0 ? b.conv(convName(`${prefix}/a/proj`), 1, inC, out) : undefined;
      b.conv(convName(`${prefix}/a`), 1, inC, mid);
      g('b', mid);
      b.conv(convName(`${prefix}/b`), 3, mid, mid);
      g('c', mid);
      b.conv(convName(`${prefix}/c`), 1, mid, out);
      units.push({ prefix, stride, proj });
      inC = out;
    }
  });
  const final = { gamma: 'resnet/group_norm/gamma', beta: 'resnet/group_norm/beta' };
  b.scaleShift(final.gamma, final.beta, inC);

  const gn = (params: Map<string, tf.Variable>, p: { gamma: string; beta: string }, x: tf.Tensor4D) =>
    relu(groupNorm(x, param(params, p.gamma), param(params, p.beta), config.groups, GN_EPS));
  return {
    arch,
    config: { ...config },
    featureDim: inC,
    params: b.params,
    specs: b.specs,
    bnLayers: [],
    forwardFeatures(params, x) {
      let h = stdConv2d(x, param(params, root), { stride: 2, padding: 3 }, WS_EPS);
      h = maxPool(pad2d(h, [1, 1, 1, 1]), 3, 2, 0);
      for (const u of units) {
        const pre = gn(params, gnNames(`${u.prefix}/a`), h);
        const shortcut = u.proj ? stdConv2d(pre, param(params, u.proj), { stride: u.stride }, WS_EPS) : h;
        let y = stdConv2d(pre, param(params, convName(`${u.prefix}/a`)), {}, WS_EPS);
        y = stdConv2d(gn(params, gnNames(`${u.prefix}/b`), y), param(params, convName(`${u.prefix}/b`)), { stride: u.stride, padding: 1 }, WS_EPS);
        y = stdConv2d(gn(params, gnNames(`${u.prefix}/c`), y), param(params, convName(`${u.prefix}/c`)), {}, WS_EPS);
        h = tf.add(y, shortcut);
      }
      return globalAvgPool(gn(params, final, h));
    },
  };
}
