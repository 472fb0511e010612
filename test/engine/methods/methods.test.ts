import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { Byol } from '../../../src/engine/methods/byol';
import { Moco } from '../../../src/engine/methods/moco';
import { Simclr } from '../../../src/engine/methods/simclr';
import { Swav } from '../../../src/engine/methods/swav';
import { FeatureQueue } from '../../../src/engine/methods/queue';
import { bnGroupsFor, withShuffledBatch } from '../../../src/engine/methods/shuffle-bn';
import { createMethod } from '../../../src/engine/methods/registry';
import { SeededRandom } from '../../../src/engine/train/seed';
import type { SslMethod } from '../../../src/engine/methods/method';
import { NamedOptimizer } from '../../../src/engine/train/optimizers';
import { lossAndGrads, sslStep } from '../../../src/engine/train/step';

beforeAll(async () => {
  await useTestBackend();
});

const tiny = (seed = 7) => createSmallResNet({ widths: [4, 8], blocks: 1, inChannels: 1 }, seed);
const mlp = { hidden: 16, out: 8, norm: 'layer' as const };
const batch = (n: number, size: number, seed: number) => tf.randomNormal([n, size, size, 1], 0, 1, 'float32', seed) as tf.Tensor4D;

const makers: Record<string, () => SslMethod> = {
  byol: () => new Byol(tiny(), { projector: mlp, predictor: mlp }, 1),
  moco: () => new Moco(tiny(), { projector: { ...mlp, norm: 'none' }, queueSize: 16 }, 1),
  uft: () => new Moco(tiny(), { projector: { ...mlp, norm: 'none' }, queueSize: 16, uft: { alpha: 1, weight: 1 } }, 1),
  simclr: () => new Simclr(tiny(), { projector: { ...mlp, norm: 'batch' } }, 1),
  swav: () => new Swav(tiny(), { projector: mlp, prototypes: 6, queueSize: 8 }, 1),
};

describe('every method', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: tensor count is flat over steps, loss finite, state round-trips`, async () => {
      const method = make();
      const opt = new NamedOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 });
      const views = [batch(4, 8, 1), batch(4, 8, 2)];
      let count = -1;
      for (let s = 0; s < 4; s++) {
        const r = sslStep(method, opt, [views], 0.05, { step: s, totalSteps: 10 });
        expect(Number.isFinite(r.loss.dataSync()[0])).toBe(true);
        r.loss.dispose();
        // the count settles once every lazily-created optimiser slot exists (after step 0)
        if (s === 1) count = tf.memory().numTensors;
        if (s > 1) expect(tf.memory().numTensors).toBe(count);
      }
      const saved = await method.exportState();
      const other = make();
      other.importState(saved);
      const again = await other.exportState();
      for (const [k, t] of Object.entries(saved.tensors)) expect(Array.from(again.tensors[k].data)).toEqual(Array.from(t.data));
      expect(again.meta).toEqual(saved.meta);
      views.forEach((v) => v.dispose());
      method.dispose();
      other.dispose();
      opt.dispose();
    });
  }
});

describe('MoCo v2', () => {
  it('key encoder gets no gradient, queue takes the keys, K must be a multiple of the batch', () => {
    const moco = new Moco(tiny(), { projector: { ...mlp, norm: 'none' }, queueSize: 12 }, 3);
    const views = [batch(4, 8, 3), batch(4, 8, 4)];
    const { loss, grads } = lossAndGrads(moco, moco.trainable(), views, { step: 0, totalSteps: 5 });
    expect([...grads.keys()].every((k) => k.startsWith('online.'))).toBe(true);
    loss.dispose();
    grads.forEach((g) => g.dispose());
    const before = moco.queue.values.arraySync() as number[][];
    moco.onStepEnd({ step: 0, totalSteps: 5 });
    const after = moco.queue.values.arraySync() as number[][];
    expect(moco.queue.pointer).toBe(4);
    for (let i = 4; i < 12; i++) expect(after[i]).toEqual(before[i]);
    for (let i = 0; i < 4; i++) expect(Math.hypot(...after[i])).toBeCloseTo(1, 4); // normalised keys
    expect(() => moco.loss([batch(5, 8, 1), batch(5, 8, 2)], { step: 1, totalSteps: 5 })).toThrow(/multiple of the batch 5/);
    views.forEach((v) => v.dispose());
    moco.dispose();
  });

  it('queue wraps around in order', () => {
    const q = new FeatureQueue(5, 1, 'zeros');
    q.enqueue(tf.tensor2d([[1], [2], [3]]));
    q.enqueue(tf.tensor2d([[4], [5], [6]]));
    expect(Array.from(q.values.dataSync())).toEqual([6, 2, 3, 4, 5]);
    expect(q.pointer).toBe(1);
    expect(q.filled).toBe(5);
    q.dispose();
  });
});

describe('SwAV', () => {
  it('supports multi-crop views of a smaller size and keeps prototypes normalised', () => {
    const swav = new Swav(tiny(), { projector: mlp, prototypes: 5, queueSize: 0 }, 2);
    const opt = new NamedOptimizer({ kind: 'sgd', momentum: 0.9 });
    const views = [batch(4, 8, 1), batch(4, 8, 2), batch(4, 6, 3), batch(4, 6, 4)];
    sslStep(swav, opt, [views], 0.1, { step: 0, totalSteps: 3 }).loss.dispose();
    const norms = tf.tidy(() => Array.from(swav.prototypes.norm('euclidean', 1).dataSync()));
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    views.forEach((v) => v.dispose());
    swav.dispose();
  });
});

describe('shuffle-BN and the registry', () => {
  it('returns per-sample outputs in the original order, and BN groups differ from the unshuffled ones', () => {
    const x = batch(8, 4, 9);
    const rowFn = (t: tf.Tensor4D) => t.mean([1, 2]) as tf.Tensor2D;
    const direct = rowFn(x).arraySync();
    const shuffled = withShuffledBatch(x, new SeededRandom(1), rowFn).arraySync() as number[][];
    shuffled.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(direct[i][j], 6)));
    // a BN-group function sees different groups after shuffling: outputs differ
    const b = tiny();
    const grouped = (t: tf.Tensor4D) => b.forwardFeatures(b.params, t, { bnMode: 'batch-no-update', bnGroups: 2 });
    const plain = grouped(x);
    const viaShuffle = withShuffledBatch(x, new SeededRandom(1), grouped);
    expect(tf.sub(plain, viaShuffle).abs().max().dataSync()[0]).toBeGreaterThan(1e-4);
    expect(bnGroupsFor(8, 2)).toBe(2);
    expect(bnGroupsFor(6, 4)).toBe(3);
    expect(bnGroupsFor(3, 2)).toBe(1);
  });

  it('creates every method by name and names the unknown ones', () => {
    for (const name of ['byol', 'moco', 'simclr', 'swav', 'uft']) {
      const m = createMethod(name, tiny(), { projector: mlp }, 1);
      expect(m.name).toBe(name);
      expect(m.trainable().length).toBeGreaterThan(0);
      m.dispose();
    }
    expect(() => createMethod('dino', tiny())).toThrow(/unknown SSL method 'dino'/);
    expect(() => createMethod('moco', tiny(), { temperature: 0 })).toThrow(/moco: setting 'temperature' must be > 0/);
    expect(() => createMethod('swav', tiny(), { prototypes: 2.5 })).toThrow(/'prototypes' must be an integer/);
    expect(() => createMethod('byol', tiny(), { projector: { hidden: 8, out: 4, norm: 'group' } })).toThrow(/projector.norm/);
  });
});
