/**
 * webgpu against cpu on small seeded random inputs: forward outputs and the gradient with
 * respect to every input (of Σ y·c for a fixed random cotangent c), for the ops the
 * architectures, SSL losses and augmentation use. Runs on the real Dawn adapter (SwiftShader
 * in CI), with WEBGPU_CPU_FORWARD off so tiny inputs do not take tfjs's CPU shortcut. An output passes when max|webgpu − cpu| ≤ atol + rtol · max|cpu|, per op:
 *
 * | op                                   | rtol | atol | why                                       |
 * |--------------------------------------|------|------|-------------------------------------------|
 * | elementwise, pooling, resize         | 1e-5 | 1e-6 | same arithmetic, ordering differences only |
 * | matMul, conv2d, depthwise (fwd+grad) | 1e-4 | 1e-5 | tiled sums in a different order            |
 * | BN / GN / LN, weight standardisation | 1e-4 | 1e-5 | reductions, rsqrt                          |
 * | SSL losses (BYOL, InfoNCE, NT-Xent, SwAV) | 1e-4 | 1e-5 | normalise, matMul, logSumExp          |
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/engine/backend/index';
import { batchNormTrain } from '../../../src/engine/backend/batch-norm';
import { batchNorm, conv2d, depthwiseConv2d, groupNorm, layerNorm, maxPool, stdConv2d, swish } from '../../../src/engine/models/layers';
import type { Params } from '../../../src/engine/models/types';
import { byolRegressionLoss, infoNceLoss, ntXentLoss, swavSwappedLoss } from '../../../src/engine/methods/losses';
import { requireWebgpu } from './webgpu-env';

type Tol = { rtol: number; atol: number };
const ELEMENTWISE: Tol = { rtol: 1e-5, atol: 1e-6 };
const LINEAR: Tol = { rtol: 1e-4, atol: 1e-5 };
const NORM: Tol = { rtol: 1e-4, atol: 1e-5 };
const LOSS: Tol = { rtol: 1e-4, atol: 1e-5 };

interface Case {
  name: string;
  tol: Tol;
  shapes: number[][];
  /** forward: the outputs whose values and input gradients are compared */
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /** compare forward only (ops without a gradient in tfjs, or non-float inputs) */
  forwardOnly?: boolean;
}

/** A small deterministic PRNG (mulberry32), so both backends get identical inputs. */
function randoms(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const asList = (y: tf.Tensor | tf.Tensor[]) => (Array.isArray(y) ? y : [y]);

/** Runs one case on `backend`; returns every output's values (forward, then gradients). */
async function runOn(backend: string, c: Case): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const xs = c.shapes.map((s, i) => tf.tensor(randoms(size(s), 1000 + i * 17), s));
  const outs = tf.tidy(() => {
    const ys = asList(c.fn(...xs));
    if (c.forwardOnly) return ys;
    const cot = ys.map((y, k) => tf.tensor(randoms(y.size, 77 + k), y.shape));
    const grads = tf.grads((...a: tf.Tensor[]) => tf.addN(asList(c.fn(...a)).map((y, k) => tf.sum(tf.mul(y, cot[k])))) as tf.Scalar)(xs);
    return [...ys, ...grads];
  });
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([...xs, ...outs]);
  return values;
}

const CASES: Case[] = [
  { name: 'conv2d 3×3 same stride 1', tol: LINEAR, shapes: [[2, 8, 8, 3], [3, 3, 3, 4]], fn: (x, w) => conv2d(x as tf.Tensor4D, w, { padding: 'same' }) },
  { name: 'conv2d 3×3 pad 1 stride 2', tol: LINEAR, shapes: [[2, 9, 9, 4], [3, 3, 4, 6]], fn: (x, w) => conv2d(x as tf.Tensor4D, w, { padding: 1, stride: 2 }) },
  { name: 'conv2d 7×7 pad 3 stride 2 (stem)', tol: LINEAR, shapes: [[2, 16, 16, 3], [7, 7, 3, 4]], fn: (x, w) => conv2d(x as tf.Tensor4D, w, { padding: 3, stride: 2 }) },
  { name: 'conv2d 1×1 stride 2 (downsample)', tol: LINEAR, shapes: [[2, 8, 8, 4], [1, 1, 4, 8]], fn: (x, w) => conv2d(x as tf.Tensor4D, w, { stride: 2 }) },
  { name: 'depthwise 3×3 same stride 1', tol: LINEAR, shapes: [[2, 8, 8, 4], [3, 3, 4, 1]], fn: (x, w) => depthwiseConv2d(x as tf.Tensor4D, w, { padding: 'same' }) },
  { name: 'depthwise 5×5 pad 2 stride 2', tol: LINEAR, shapes: [[2, 9, 9, 4], [5, 5, 4, 1]], fn: (x, w) => depthwiseConv2d(x as tf.Tensor4D, w, { padding: 2, stride: 2 }) },
  { name: 'matMul', tol: LINEAR, shapes: [[4, 6], [6, 5]], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'matMul transposeB', tol: LINEAR, shapes: [[4, 6], [5, 6]], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  {
    name: 'BatchNorm train (project gradient)',
    tol: NORM,
    shapes: [[4, 4, 4, 3], [3], [3]],
    fn: (x, g, b) => batchNormTrain(x, tf.add(g, 1.5), b, 1e-5).y,
  },
  { name: 'BatchNorm by autodiff (moments)', tol: NORM, shapes: [[4, 4, 4, 3]], fn: (x) => { const { mean, variance } = tf.moments(x, [0, 1, 2], true); return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))); } },
  {
    // MoCo's shuffle-BN emulation: the batch reshaped to rank 5, one set of statistics per group
    name: 'BatchNorm over 2 BN groups (rank 5)',
    tol: NORM,
    shapes: [[4, 4, 4, 3], [3], [3]],
    fn: (x, g, b) => {
      const params = new Map([['bn.weight', tf.add(g, 1.5)], ['bn.bias', b], ['bn.running_mean', tf.zeros([3])], ['bn.running_var', tf.ones([3])]]) as unknown as Params;
      const ref = { name: 'bn', gamma: 'bn.weight', beta: 'bn.bias', mean: 'bn.running_mean', variance: 'bn.running_var', eps: 1e-5 };
      return batchNorm(params, ref, x, { bnMode: 'batch-no-update', bnGroups: 2 });
    },
  },
  { name: 'GroupNorm (4 groups)', tol: NORM, shapes: [[2, 4, 4, 8], [8], [8]], fn: (x, g, b) => groupNorm(x as tf.Tensor4D, tf.add(g, 1.5), b, 4) },
  { name: 'LayerNorm', tol: NORM, shapes: [[4, 6], [6], [6]], fn: (x, g, b) => layerNorm(x, tf.add(g, 1.5), b) },
  { name: 'weight-standardised conv (BiT)', tol: NORM, shapes: [[2, 6, 6, 4], [3, 3, 4, 8]], fn: (x, w) => stdConv2d(x as tf.Tensor4D, w, { padding: 1 }) },
  { name: 'maxPool 3×3 pad 1 stride 2', tol: ELEMENTWISE, shapes: [[2, 8, 8, 3]], fn: (x) => maxPool(x as tf.Tensor4D, 3, 2, 1) },
  { name: 'avgPool 2×2 stride 2', tol: ELEMENTWISE, shapes: [[2, 8, 8, 3]], fn: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'global average pool', tol: ELEMENTWISE, shapes: [[2, 4, 4, 6]], fn: (x) => tf.mean(x, [1, 2]) },
  { name: 'relu, swish, sigmoid', tol: ELEMENTWISE, shapes: [[3, 7]], fn: (x) => [tf.relu(x), swish(x), tf.sigmoid(x)] },
  {
    name: 'softmax cross-entropy',
    tol: LOSS,
    shapes: [[4, 5]],
    fn: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5), logits),
  },
  { name: 'BYOL regression loss', tol: LOSS, shapes: [[4, 8], [4, 8]], fn: (p, z) => byolRegressionLoss(p as tf.Tensor2D, z as tf.Tensor2D) },
  { name: 'InfoNCE (MoCo)', tol: LOSS, shapes: [[4, 8], [4, 8], [6, 8]], fn: (q, k, n) => infoNceLoss(q as tf.Tensor2D, k as tf.Tensor2D, n as tf.Tensor2D, 0.2) },
  { name: 'NT-Xent (SimCLR)', tol: LOSS, shapes: [[4, 8], [4, 8]], fn: (a, b) => ntXentLoss(a as tf.Tensor2D, b as tf.Tensor2D, 0.5) },
  { name: 'SwAV swapped loss', tol: LOSS, shapes: [[4, 5], [4, 5]], fn: (c, s) => swavSwappedLoss(tf.softmax(c) as tf.Tensor2D, s as tf.Tensor2D, 0.1) },
  { name: 'resizeBilinear 8→12', tol: ELEMENTWISE, shapes: [[2, 8, 8, 3]], fn: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [12, 12]) },
  {
    name: 'cropAndResize (augmentation; no gradient in tfjs)',
    tol: ELEMENTWISE,
    forwardOnly: true,
    shapes: [[2, 8, 8, 3]],
    fn: (x) =>
      tf.image.cropAndResize(x as tf.Tensor4D, tf.tensor2d([[0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]]), tf.tensor1d([1, 0], 'int32'), [6, 6]),
  },
  { name: 'flip, reverse, clip (augmentation)', tol: ELEMENTWISE, shapes: [[2, 4, 4, 3]], fn: (x) => [tf.reverse(x, 2), tf.clipByValue(x, -0.5, 0.5)] },
];

const haveAdapter = await requireWebgpu('webgpu parity');

describe.skipIf(!haveAdapter)('webgpu matches cpu, forward and gradient', () => {
  it('starts webgpu on the adapter', { timeout: 120_000 }, async () => {
    const r = await initBackend({ force: 'webgpu' });
    expect(r.backend).toBe('webgpu');
    // tiny host-resident inputs would otherwise run some kernels on tfjs's CPU code inside webgpu
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });

  for (const c of CASES) {
    it(c.name, { timeout: 120_000 }, async () => {
      const cpu = await runOn('cpu', c);
      const gpu = await runOn('webgpu', c);
      expect(gpu.length).toBe(cpu.length);
      cpu.forEach((want, k) => {
        const got = gpu[k];
        expect(got.length, `output ${k} size`).toBe(want.length);
        let maxRef = 0;
        let maxDiff = 0;
        for (let i = 0; i < want.length; i++) {
          maxRef = Math.max(maxRef, Math.abs(want[i]));
          maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
        }
        expect(Number.isFinite(maxDiff), `output ${k} finite`).toBe(true);
        const limit = c.tol.atol + c.tol.rtol * maxRef;
        expect(maxDiff, `${c.name}: output ${k} of ${cpu.length} (forward outputs first, then one gradient per input; max |cpu| ${maxRef})`).toBeLessThanOrEqual(limit);
      });
    });
  }
});
