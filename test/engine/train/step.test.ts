import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from './tf-setup';
import type { SslMethod } from '../../../src/engine/methods/method';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { sslStep } from '../../../src/engine/train/step';
import { selectNormAffine, selectTrainable } from '../../../src/engine/train/trainable';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';

beforeAll(async () => {
  await useTestBackend();
});

/** A per-sample-mean loss (‖v1·W − v2‖² averaged), so micro-batch averaging equals the full batch. */
function regression(seed: number): SslMethod & { w: tf.Variable; ends: number } {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([4, 4], 0, 1, 'float32', seed)));
  const m = {
    name: 'regression', w, ends: 0,
    trainable: () => [{ name: 'w', variable: w, decay: true }],
    momentumPairs: () => [],
    loss: (views: tf.Tensor4D[]) => tf.tidy(() => {
      const a = views[0].reshape([-1, 4]) as tf.Tensor2D;
      const b = views[1].reshape([-1, 4]) as tf.Tensor2D;
      return tf.mean(tf.square(tf.sub(tf.matMul(a, w), b))) as tf.Scalar;
    }),
    onStepEnd: () => void m.ends++,
    features: (x: tf.Tensor4D) => x.reshape([x.shape[0], -1]) as tf.Tensor2D,
    embedding: (x: tf.Tensor4D) => x.reshape([x.shape[0], -1]) as tf.Tensor2D,
    exportState: async () => ({ method: 'regression', tensors: {}, meta: {} }),
    importState: () => {},
    dispose: () => w.dispose(),
  };
  return m;
}

describe('sslStep', () => {
  it('gradient accumulation over equal micro-batches gives the full-batch update', () => {
    const v1 = tf.randomNormal([8, 1, 1, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const v2 = tf.randomNormal([8, 1, 1, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const full = regression(3);
    const acc = regression(3);
    const half = (t: tf.Tensor4D, i: number) => t.slice([i * 4, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
    const lFull = sslStep(full, new NamedOptimizer({ kind: 'sgd', momentum: 0 }), [[v1, v2]], 0.1, { step: 0, totalSteps: 1 }).loss;
    const lAcc = sslStep(acc, new NamedOptimizer({ kind: 'sgd', momentum: 0 }), [[half(v1, 0), half(v2, 0)], [half(v1, 1), half(v2, 1)]], 0.1, { step: 0, totalSteps: 1 }).loss;
    expect(lAcc.dataSync()[0]).toBeCloseTo(lFull.dataSync()[0], 5);
    const a = full.w.dataSync();
    const b = acc.w.dataSync();
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
    expect(acc.ends).toBe(1); // one optimiser step, one end-of-step hook
  });
});

describe('trainable selection', () => {
  it('excludes running statistics, exempts norms and biases from weight decay, and selects BN affine for HPT-BN', () => {
    const b = createSmallResNet({ widths: [4], blocks: 1, inChannels: 1 }, 1);
    const all = selectTrainable(b.params, b.specs, { prefix: 'x.' });
    expect(all.some((v) => v.name.includes('running'))).toBe(false);
    expect(all.find((v) => v.name === 'x.conv1.weight')?.decay).toBe(true);
    expect(all.find((v) => v.name === 'x.bn1.weight')?.decay).toBe(false);
    expect(all.find((v) => v.name === 'x.bn1.bias')?.decay).toBe(false);
    const bn = selectNormAffine(b.params, b.specs);
    expect(bn.length).toBeGreaterThan(0);
    expect(bn.every((v) => /\.(weight|bias)$/.test(v.name) && v.name.includes('bn'))).toBe(true);
  });
});
