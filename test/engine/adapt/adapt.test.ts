import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { loadFashion } from '../train/fashion';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import type { Backbone } from '../../../src/engine/models/types';
import { convertBatchNorm } from '../../../src/engine/adapt/bn-convert';
import { reestimateBnStatistics } from '../../../src/engine/adapt/bn-reestimate';
import { filterNorms, scaleWeights } from '../../../src/engine/adapt/weight-scaling';
import { replaceDeadFilters } from '../../../src/engine/adapt/dead-filters';
import { prepareP2x } from '../../../src/engine/adapt/p2x';

beforeAll(async () => {
  await useTestBackend();
});

/** A backbone that looks pretrained: kernels with norms > 1, non-trivial BN statistics and affine. */
function pretrainedLike(seed: number): Backbone {
  const b = createSmallResNet({ widths: [8, 16], blocks: 1, inChannels: 1 }, seed);
  let i = 0;
  tf.tidy(() => {
    for (const spec of b.specs) {
      const v = b.params.get(spec.name)!;
      const r = (lo: number, hi: number) => tf.randomUniform(spec.shape, lo, hi, 'float32', seed * 100 + i++);
      if (spec.role === 'conv') v.assign(v.mul(3 + i));
      if (spec.role === 'norm-scale') v.assign(r(0.5, 1.5));
      if (spec.role === 'norm-shift') v.assign(r(-0.3, 0.3));
      if (spec.role === 'running-mean') v.assign(r(-1, 1));
      if (spec.role === 'running-var') v.assign(r(0.5, 4));
    }
  });
  return b;
}

const evalOut = (b: Backbone, x: tf.Tensor4D) => tf.tidy(() => b.forwardFeatures(b.params, x, { bnMode: 'eval' }));
/** max |a − b| / max |a| */
const relErr = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().div(a.abs().max()).dataSync()[0]);

describe('adaptation steps on Fashion-MNIST images', () => {
  const data = () => loadFashion(48, 100);

  it('DAFT BN conversion leaves eval-mode outputs unchanged and installs target statistics', async () => {
    const b = pretrainedLike(1);
    const { images } = data();
    const batches = [0, 16, 32].map((s) => images.slice([s, 0, 0, 0], [16, -1, -1, -1]) as tf.Tensor4D);
    const before = evalOut(b, images);
    const stem = b.bnLayers[0];
    const rmBefore = Array.from(b.params.get(stem.mean)!.dataSync());
    // per-channel invariants of every layer: scale γ/√(Σ+ε) and shift β − γM/√(Σ+ε)
    const invariants = () => b.bnLayers.map((ref) => tf.tidy(() => {
      const [g, be, m, v] = [ref.gamma, ref.beta, ref.mean, ref.variance].map((n) => b.params.get(n)!);
      const scale = g.div(v.add(ref.eps).sqrt());
      return [Array.from(scale.dataSync()), Array.from(be.sub(m.mul(scale)).dataSync())];
    }));
    const invBefore = invariants();
    const report = await convertBatchNorm(b, b.params, batches);
    invariants().forEach((layer, l) => layer.forEach((vals, j) => vals.forEach((x, c) => expect(x).toBeCloseTo(invBefore[l][j][c], 3))));
    expect(report.length).toBe(b.bnLayers.length);
    const after = evalOut(b, images);
    expect(relErr(before, after)).toBeLessThan(1e-4);
    // the stem BN's new running mean is the mean of conv1's output over the target batches
    const convMean = tf.tidy(() => tf.conv2d(images, b.params.get('conv1.weight') as tf.Tensor4D, 1, 1).mean([0, 1, 2]).arraySync() as number[]);
    const rmAfter = Array.from(b.params.get(stem.mean)!.dataSync());
    rmAfter.forEach((v, i) => expect(v).toBeCloseTo(convMean[i], 3));
    expect(rmAfter.some((v, i) => Math.abs(v - rmBefore[i]) > 0.01)).toBe(true);
    [before, after, images, ...batches].forEach((t) => t.dispose());
  });

  it('BN re-estimation sets running statistics to the target batch statistics and touches nothing else', async () => {
    const b = pretrainedLike(2);
    const { images } = data();
    const weights = Array.from(b.params.get('conv1.weight')!.dataSync());
    const gamma = Array.from(b.params.get('bn1.weight')!.dataSync());
    await reestimateBnStatistics(b, b.params, [images]);
    const convOut = tf.tidy(() => tf.conv2d(images, b.params.get('conv1.weight') as tf.Tensor4D, 1, 1));
    const { mean, variance } = tf.moments(convOut, [0, 1, 2]);
    const m = 48 * 28 * 28;
    const rm = b.params.get('bn1.running_mean')!.dataSync();
    const rv = b.params.get('bn1.running_var')!.dataSync();
    Array.from(mean.dataSync()).forEach((v, i) => expect(rm[i]).toBeCloseTo(v, 3));
    Array.from(variance.dataSync()).forEach((v, i) => expect(rv[i] / (v * (m / (m - 1)))).toBeCloseTo(1, 3));
    expect(Array.from(b.params.get('conv1.weight')!.dataSync())).toEqual(weights);
    expect(Array.from(b.params.get('bn1.weight')!.dataSync())).toEqual(gamma);
    // eval mode now normalises like batch mode on this data
    const train = tf.tidy(() => b.forwardFeatures(b.params, images, { bnMode: 'batch-no-update' }));
    expect(relErr(train, evalOut(b, images))).toBeLessThan(0.2);
    [images, convOut, mean, variance, train].forEach((t) => t.dispose());
  });

  for (const granularity of ['layer', 'channel'] as const) {
    for (const exactEps of [true, false]) {
      it(`P2X weight scaling (${granularity}, exactEps ${exactEps}) leaves eval-mode outputs unchanged and shrinks norms`, async () => {
        const b = pretrainedLike(3);
        const { images } = data();
        const before = evalOut(b, images);
        const normBefore = tf.tidy(() => tf.norm(b.params.get('layer1.0.conv1.weight')!).dataSync()[0]);
        const report = await scaleWeights(b, b.params, { granularity, exactEps });
        expect(report.length).toBe(b.bnLayers.length); // every kernel was made > 1
        const after = evalOut(b, images);
        // the paper's σ²/s² is exact only as ε → 0: its error grows with s²ε/σ² (here s reaches ~50),
        // which is why exactEps rewrites σ² as (σ² + ε)/s² − ε
        expect(relErr(before, after)).toBeLessThan(exactEps ? 1e-4 : 0.1);
        const normAfter = tf.tidy(() => tf.norm(b.params.get('layer1.0.conv1.weight')!).dataSync()[0]);
        if (granularity === 'layer') expect(normAfter).toBeCloseTo(Math.sqrt(normBefore), 3);
        else expect(normAfter).toBeLessThan(normBefore);
        // train mode is not preserved (γ shrank)
        const trainBefore = tf.tidy(() => b.forwardFeatures(b.params, images, { bnMode: 'batch-no-update' }));
        expect(relErr(trainBefore, after)).toBeGreaterThan(1e-3);
        [before, after, images, trainBefore].forEach((t) => t.dispose());
      });
    }
  }

  it('P2X dead-filter replacement leaves no filter under the threshold and copies the BN channel', async () => {
    const b = pretrainedLike(4);
    const w = b.params.get('layer1.0.conv1.weight')!;
    // kill filters 1 and 5 of one layer and all of nothing else
    tf.tidy(() => {
      const mask = tf.tensor1d([1, 0.001, 1, 1, 1, 0.001, 1, 1]).reshape([1, 1, 1, 8]);
      w.assign(w.mul(mask));
    });
    const report = await replaceDeadFilters(b, b.params, { seed: 3 });
    expect(report.length).toBe(1);
    expect(report[0].dead).toBe(2);
    const norms = filterNorms(w, 3);
    expect(norms.min().dataSync()[0]).toBeGreaterThanOrEqual(0.1);
    const k = w.arraySync() as number[][][][];
    const gamma = b.params.get('layer1.0.bn1.weight')!.dataSync();
    for (const [dead, live] of report[0].copies) {
      expect(k[1][1][2][dead]).toBe(k[1][1][2][live]);
      expect(gamma[dead]).toBe(gamma[live]);
    }
    norms.dispose();
  });

  it('P2X preparation runs both fixes on a pretrained-like model and nothing from scratch', async () => {
    const b = pretrainedLike(5);
    const { images } = data();
    const before = evalOut(b, images);
    const scratch = await prepareP2x(b, b.params, { fromScratch: true });
    expect(scratch.skipped).toBe(true);
    expect(relErr(before, evalOut(b, images))).toBe(0);
    const r = await prepareP2x(b, b.params, { seed: 1 });
    expect(r.scaled.length).toBeGreaterThan(0);
    expect(relErr(before, evalOut(b, images))).toBeLessThan(1e-4); // no dead filters here, scaling is exact
    [before, images].forEach((t) => t.dispose());
  });
});
