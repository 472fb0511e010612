import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { ParamBuilder } from '../../../src/engine/models/builder';
import { batchNorm, conv2d, groupNorm, layerNorm, maxPool, standardizeKernel } from '../../../src/engine/models/layers';
import type { ForwardContext } from '../../../src/engine/models/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function bnFixture(channels: number) {
  const b = new ParamBuilder(1);
  const ref = b.batchNorm('bn', channels);
  b.params.get(ref.gamma)!.assign(tf.tensor1d([1.5, 0.5, 2].slice(0, channels)));
  b.params.get(ref.beta)!.assign(tf.tensor1d([0.1, -0.2, 0.3].slice(0, channels)));
  return { params: b.params, ref };
}

describe('batchNorm', () => {
  const x = tf.tensor4d(Array.from({ length: 4 * 2 * 2 * 3 }, (_, i) => Math.sin(i * 1.3) * 3 + (i % 3)), [4, 2, 2, 3]);

  it('train mode normalises with biased batch variance and stores the unbiased one', () => {
    const { params, ref } = bnFixture(3);
    const y = tf.tidy(() => batchNorm(params, ref, x, { bnMode: 'train', bnMomentum: 0.1 }));
    const xs = x.arraySync().flat(2) as number[][];
    for (let c = 0; c < 3; c++) {
      const v = xs.map((r) => r[c]);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const biased = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
      const unbiased = (biased * v.length) / (v.length - 1);
      expect(params.get(ref.mean)!.dataSync()[c]).toBeCloseTo(0.1 * m, 5);
      expect(params.get(ref.variance)!.dataSync()[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 5);
      const ys = (y.arraySync() as number[][][][]).flat(2).map((r) => r[c]);
      const g = [1.5, 0.5, 2][c];
      const bb = [0.1, -0.2, 0.3][c];
      ys.forEach((yy, i) => expect(yy).toBeCloseTo(((v[i] - m) / Math.sqrt(biased + 1e-5)) * g + bb, 4));
    }
    y.dispose();
  });

  it('eval uses running stats; batch-no-update leaves them alone', () => {
    const { params, ref } = bnFixture(3);
    params.get(ref.mean)!.assign(tf.tensor1d([1, 2, 3]));
    params.get(ref.variance)!.assign(tf.tensor1d([4, 1, 0.25]));
    const y = batchNorm(params, ref, x, { bnMode: 'eval' });
    const expected = x.sub(tf.tensor1d([1, 2, 3])).div(tf.tensor1d([4, 1, 0.25]).add(1e-5).sqrt()).mul(tf.tensor1d([1.5, 0.5, 2])).add(tf.tensor1d([0.1, -0.2, 0.3]));
    expect(tf.max(tf.abs(y.sub(expected))).dataSync()[0]).toBeLessThan(1e-5);
    batchNorm(params, ref, x, { bnMode: 'batch-no-update' });
    expect(Array.from(params.get(ref.mean)!.dataSync())).toEqual([1, 2, 3]);
  });

  it('bnGroups normalises each group with its own statistics', () => {
    const { params, ref } = bnFixture(3);
    const ctx: ForwardContext = { bnMode: 'batch-no-update', bnGroups: 2 };
    const y = batchNorm(params, ref, x, ctx);
    const first = batchNorm(params, ref, x.slice([0, 0, 0, 0], [2, 2, 2, 3]), { bnMode: 'batch-no-update' });
    const second = batchNorm(params, ref, x.slice([2, 0, 0, 0], [2, 2, 2, 3]), { bnMode: 'batch-no-update' });
    expect(tf.max(tf.abs(y.sub(tf.concat([first, second], 0)))).dataSync()[0]).toBeLessThan(1e-5);
    expect(() => batchNorm(params, ref, x, { bnMode: 'train', bnGroups: 3 })).toThrow(/cannot be split into 3/);
  });

  it('calls onBnInput with the layer name and input', () => {
    const { params, ref } = bnFixture(3);
    const seen: string[] = [];
    batchNorm(params, ref, x, { bnMode: 'eval', onBnInput: (n, t) => seen.push(`${n}:${t.shape.join('x')}`) });
    expect(seen).toEqual(['bn:4x2x2x3']);
  });

  it('updates running stats inside variableGrads without leaking tensors', () => {
    const { params, ref } = bnFixture(3);
    const gamma = params.get(ref.gamma)!;
    const step = () =>
      tf.tidy(() => {
        const { grads, value } = tf.variableGrads(() => batchNorm(params, ref, x, { bnMode: 'train' }).square().mean() as tf.Scalar, [gamma]);
        expect(grads[gamma.name]).toBeDefined();
        return value.dataSync()[0];
      });
    step();
    const before = tf.memory().numTensors;
    const m1 = params.get(ref.mean)!.dataSync()[0];
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    expect(params.get(ref.mean)!.dataSync()[0]).not.toBe(m1);
  });
});

describe('other layers', () => {
  it('conv2d with numeric padding matches a hand-computed 3x3 sum', () => {
    const x = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const k = tf.ones([3, 3, 1, 1]);
    const y = conv2d(x, k, { padding: 1 });
    expect(Array.from(y.dataSync())).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    expect(conv2d(tf.ones([1, 5, 5, 1]) as tf.Tensor4D, k, { stride: 2, padding: 1 }).shape).toEqual([1, 3, 3, 1]);
  });

  it('maxPool padding never wins over negative values (PyTorch semantics)', () => {
    const x = tf.fill([1, 2, 2, 1], -5) as tf.Tensor4D;
    expect(Array.from(maxPool(x, 3, 2, 1).dataSync())).toEqual([-5]);
  });

  it('standardised kernels have zero mean and unit variance per output filter', () => {
    const k = tf.randomNormal([3, 3, 4, 5], 2, 3, 'float32', 7);
    const { mean, variance } = tf.moments(standardizeKernel(k), [0, 1, 2]);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(variance.sub(1))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it('groupNorm with one channel per group equals instance norm; layerNorm normalises rows', () => {
    const x = tf.randomNormal([2, 3, 3, 4], 1, 2, 'float32', 3) as tf.Tensor4D;
    const y = groupNorm(x, tf.ones([4]), tf.zeros([4]), 4);
    const { mean, variance } = tf.moments(y, [1, 2]);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(variance.sub(1))).dataSync()[0]).toBeLessThan(1e-3);
    expect(() => groupNorm(x, tf.ones([4]), tf.zeros([4]), 3)).toThrow(/not divisible/);
    const l = layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.ones([4]), tf.zeros([4]));
    expect(Math.abs(l.sum().dataSync()[0])).toBeLessThan(1e-5);
  });
});
