import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from './setup';
import { loadFashion } from './fashion';
import { knnClassify } from '../../../src/engine/eval/knn';
import { linearProbe, probeProbabilities } from '../../../src/engine/eval/linear-probe';
import { accuracy, argmaxRows } from '../../../src/engine/eval/metrics';
import type { FeatureMatrix } from '../../../src/engine/eval/features';

beforeAll(async () => {
  await startBackend();
});

function pixelsAsFeatures(split: 'train' | 't10k', start: number, n: number): { f: FeatureMatrix; labels: Int32Array } {
  const d = loadFashion(split, start, n);
  return { f: { data: d.pixels, n, dim: 28 * 28 }, labels: d.labels };
}

describe('kNN', () => {
  it('weights votes by exp(cos / T) as computed by hand', async () => {
    const train: FeatureMatrix = { data: Float32Array.from([1, 0, 0, 1, 1, 1]), n: 3, dim: 2 };
    const query: FeatureMatrix = { data: Float32Array.from([2, 0.5]), n: 1, dim: 2 };
    const r = await knnClassify(train, [0, 1, 1], 2, query, { k: 2, temperature: 0.5 });
    const q = [2 / Math.hypot(2, 0.5), 0.5 / Math.hypot(2, 0.5)];
    const sims = [q[0], q[1], (q[0] + q[1]) / Math.SQRT2];
    // top-2: training points 0 (class 0) and 2 (class 1)
    const w0 = Math.exp(sims[0] / 0.5);
    const w2 = Math.exp(sims[2] / 0.5);
    expect(r.probs[0]).toBeCloseTo(w0 / (w0 + w2), 6);
    expect(r.probs[1]).toBeCloseTo(w2 / (w0 + w2), 6);
    expect(r.predictions[0]).toBe(w0 > w2 ? 0 : 1);
    // a tiny temperature stays finite and becomes a 1-NN vote
    const sharp = await knnClassify(train, [0, 1, 1], 2, query, { k: 3, temperature: 1e-4 });
    expect(sharp.probs[0]).toBeCloseTo(1, 6);
  });

  it('classifies Fashion-MNIST pixels well above chance, and names bad input', async () => {
    const tr = pixelsAsFeatures('train', 0, 2000);
    const te = pixelsAsFeatures('t10k', 0, 300);
    const before = tf.memory().numTensors;
    const r = await knnClassify(tr.f, tr.labels, 10, te.f, { k: 20, temperature: 0.07, blockSize: 128 });
    expect(tf.memory().numTensors).toBe(before);
    expect(accuracy(te.labels, r.predictions)).toBeGreaterThan(0.7);
    await expect(knnClassify(tr.f, tr.labels.subarray(1), 10, te.f)).rejects.toThrow(/labels/);
    await expect(knnClassify(tr.f, tr.labels, 10, { data: new Float32Array(3), n: 1, dim: 3 })).rejects.toThrow(/dims/);
  });
});

describe('linear probe', () => {
  it('fits Fashion-MNIST pixels, picks by validation, folds standardisation into the weights', async () => {
    const tr = pixelsAsFeatures('train', 0, 1000);
    const va = pixelsAsFeatures('train', 1000, 300);
    const te = pixelsAsFeatures('t10k', 0, 300);
    const before = tf.memory().numTensors;
    const fit = await linearProbe(tr.f, tr.labels, va.f, va.labels, 10, { lrs: [0.01, 0.1], weightDecays: [1e-4, 1e-2], epochs: 5, batchSize: 128 });
    expect(tf.memory().numTensors).toBe(before);
    expect(fit.trials).toHaveLength(4);
    const best = Math.max(...fit.trials.map((t) => t.valAccuracy));
    expect(fit.chosen.valAccuracy).toBe(best);
    const probs = await probeProbabilities(fit, te.f);
    expect(accuracy(te.labels, argmaxRows(probs, 10))).toBeGreaterThan(0.72);
    // the folded weights reproduce the chosen trial's validation accuracy on raw features
    expect(accuracy(va.labels, argmaxRows(await probeProbabilities(fit, va.f), 10))).toBeCloseTo(fit.chosen.valAccuracy, 10);
    // deterministic for a seed
    const again = await linearProbe(tr.f, tr.labels, va.f, va.labels, 10, { lrs: [0.1], weightDecays: [1e-4], epochs: 2, batchSize: 128, seed: 3 });
    const again2 = await linearProbe(tr.f, tr.labels, va.f, va.labels, 10, { lrs: [0.1], weightDecays: [1e-4], epochs: 2, batchSize: 128, seed: 3 });
    expect(Array.from(again.weight)).toEqual(Array.from(again2.weight));
  });

  it('class weights move the decision towards the up-weighted class', async () => {
    const tr = pixelsAsFeatures('train', 0, 600);
    const va = pixelsAsFeatures('train', 600, 200);
    const opts = { lrs: [0.05], weightDecays: [1e-3], epochs: 4, batchSize: 128 };
    const plain = await linearProbe(tr.f, tr.labels, va.f, va.labels, 10, opts);
    const weights = new Array(10).fill(1);
    weights[6] = 20; // 'shirt'
    const heavy = await linearProbe(tr.f, tr.labels, va.f, va.labels, 10, { ...opts, classWeights: weights });
    const count6 = async (fit: typeof plain): Promise<number> => argmaxRows(await probeProbabilities(fit, va.f), 10).filter((p) => p === 6).length;
    expect(await count6(heavy)).toBeGreaterThan(await count6(plain));
  });
});

describe('linear probe against scikit-learn', () => {
  it('reaches the L2 logistic-regression optimum of sklearn (weight decay = 1/(C·n))', async () => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const ref = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/metrics/logreg-sklearn.json'), 'utf8')) as {
      weightDecay: number; numClasses: number; dim: number;
      train: { x: number[]; y: number[] }; query: { x: number[]; y: number[] }; queryProbs: number[];
    };
    const f = (x: number[]): FeatureMatrix => ({ data: Float32Array.from(x), n: x.length / ref.dim, dim: ref.dim });
    const train = f(ref.train.x);
    const query = f(ref.query.x);
    const fit = await linearProbe(train, ref.train.y, query, ref.query.y, ref.numClasses, {
      lrs: [0.5], weightDecays: [ref.weightDecay], epochs: 150, batchSize: train.n,
    });
    const probs = await probeProbabilities(fit, query);
    const gap = Math.max(...Array.from(probs, (p, i) => Math.abs(p - ref.queryProbs[i])));
    expect(gap).toBeLessThan(2e-3);
  });
});
