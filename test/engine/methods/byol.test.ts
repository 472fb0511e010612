import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { Byol } from '../../../src/engine/methods/byol';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { lossAndGrads, sslStep } from '../../../src/engine/train/step';

beforeAll(async () => {
  await useTestBackend();
});

const tiny = () => createSmallResNet({ widths: [4, 8], blocks: 1, inChannels: 1 }, 7);
const views = (seed: number): tf.Tensor4D[] => [tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', seed), tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', seed + 1)];
const snapshot = (m: Map<string, tf.Variable>) => new Map([...m].map(([k, v]) => [k, Array.from(v.dataSync())]));
const changed = (a: number[], b: number[]) => a.some((x, i) => Math.abs(x - b[i]) > 1e-7);

describe('BYOL', () => {
  it('loss is symmetric in the two views', () => {
    const byol = new Byol(tiny(), { projector: { hidden: 16, out: 8, norm: 'layer' }, predictor: { hidden: 16, out: 8, norm: 'layer' } }, 1);
    const [a, b] = views(1);
    const info = { step: 0, totalSteps: 10 };
    const l1 = tf.tidy(() => byol.loss([a, b], info).dataSync()[0]);
    const l2 = tf.tidy(() => byol.loss([b, a], info).dataSync()[0]);
    expect(l1).toBeCloseTo(l2, 5);
    byol.dispose();
  });

  it('gives gradients only to the online network; τ = 1 keeps the target fixed; tensor count is flat', () => {
    const byol = new Byol(tiny(), { projector: { hidden: 16, out: 8, norm: 'layer' }, predictor: { hidden: 16, out: 8, norm: 'layer' }, baseMomentum: 1 }, 1);
    const vars = byol.trainable();
    const v = views(3);
    const { loss, grads } = lossAndGrads(byol, vars, v, { step: 0, totalSteps: 5 });
    expect([...grads.keys()].every((k) => k.startsWith('online.'))).toBe(true);
    expect(grads.has('online.conv1.weight')).toBe(true);
    expect(grads.has('online.predictor.0.weight')).toBe(true);
    loss.dispose();
    for (const g of grads.values()) g.dispose();
    // target variables are not trainable at all
    expect([...byol.target.values()].every((t) => !t.trainable)).toBe(true);

    const opt = new NamedOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 });
    const target0 = snapshot(byol.target);
    const online0 = snapshot(byol.net.params);
    let count = -1;
    for (let s = 0; s < 3; s++) {
      const r = sslStep(byol, opt, [v], 0.05, { step: s, totalSteps: 5 });
      r.loss.dispose();
      if (s === 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(count);
    }
    for (const [k, vals] of snapshot(byol.target)) expect(vals).toEqual(target0.get(k));
    expect(changed(snapshot(byol.net.params).get('conv1.weight')!, online0.get('conv1.weight')!)).toBe(true);
    v.forEach((t) => t.dispose());
    byol.dispose();
    opt.dispose();
  });

  it('HPT-BN (norm-only) changes no non-BN backbone weight but trains γ/β and updates running stats', () => {
    const backbone = tiny();
    const byol = new Byol(backbone, { projector: { hidden: 16, out: 8, norm: 'layer' }, predictor: { hidden: 16, out: 8, norm: 'layer' }, backboneTraining: 'norm-only' }, 2);
    const before = snapshot(backbone.params);
    const opt = new NamedOptimizer({ kind: 'sgd', momentum: 0.9 });
    const v = views(5);
    for (let s = 0; s < 2; s++) sslStep(byol, opt, [v], 0.1, { step: s, totalSteps: 5 }).loss.dispose();
    const after = snapshot(backbone.params);
    for (const spec of backbone.specs) {
      const moved = changed(after.get(spec.name)!, before.get(spec.name)!);
      if (spec.role === 'conv' || spec.role === 'dense' || spec.role === 'bias') expect(moved, spec.name).toBe(false);
      if (spec.name === 'bn1.weight' || spec.name === 'bn1.running_mean') expect(moved, spec.name).toBe(true);
    }
    v.forEach((t) => t.dispose());
    byol.dispose();
  });
});
