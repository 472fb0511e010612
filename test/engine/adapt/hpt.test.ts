import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../train/tf-setup';
import { loadFashion } from '../train/fashion';
import { createSmallResNet } from '../../../src/engine/models/small-resnet';
import { inMemoryImages } from '../../../src/engine/eval/images';
import { linearProbeScore, selectSource } from '../../../src/engine/adapt/hpt';
import { SourceReplaySampler } from '../../../src/engine/adapt/source-replay';

beforeAll(async () => {
  await useTestBackend();
});

describe('HPT source selection', () => {
  it('source selection keeps the candidate with the best linear probe on real features', async () => {
    const train = loadFashion(200, 0);
    const val = loadFashion(100, 0, 't10k');
    const asSet = (d: { images: tf.Tensor4D; labels: Int32Array }) => inMemoryImages(d.images.dataSync() as Float32Array, [d.labels.length, 28, 28, 1], d.labels, 10);
    const trainSet = asSet(train);
    const valSet = asSet(val);
    const backbone = createSmallResNet({ widths: [8, 16], blocks: 1, inChannels: 1 }, 2);
    // candidate "sources" stand for short SSL runs: here they differ in how they leave the weights
    const base = new Map([...backbone.params].map(([k, v]) => [k, v]));
    const wrecked = new Map([...backbone.params].map(([k, v]) => [k, k.endsWith('conv1.weight') ? tf.variable(tf.zerosLike(v)) : v]));
    const candidates = [
      { name: 'broken', params: wrecked },
      { name: 'natural', params: base },
      { name: 'crashes', params: base },
    ];
    const { best, ranking } = await selectSource(candidates, async (c) => {
      if (c.name === 'crashes') throw new Error('out of memory');
      return linearProbeScore(backbone, c.params, trainSet, valSet, { lrs: [0.3], weightDecays: [1e-4], epochs: 20 });
    });
    expect(best?.name).toBe('natural');
    expect(ranking[0].score).toBeGreaterThan(0.4); // 10 classes: chance is 0.1
    expect(ranking[2].candidate.name).toBe('crashes');
    expect(ranking[2].error).toMatch(/out of memory/);
    [train.images, val.images].forEach((t) => t.dispose());
  });
});

describe('UFT sparse source replay sampler', () => {
  it('draws from target ∪ a fixed or per-epoch resampled fraction of the source', () => {
    const fixed = new SourceReplaySampler({ targetN: 50, sourceN: 1000, batchSize: 10, fraction: 0.1, mode: 'fixed', seed: 1 });
    expect(fixed.poolSize).toBe(150);
    const epoch = (s: SourceReplaySampler, e: number) => Array.from({ length: 15 }, (_, i) => s.indicesAt(e * 15 + i)).flat();
    const e0 = epoch(fixed, 0);
    // every target image once per epoch, plus exactly the chosen 100 source images
    expect(e0.filter((i) => i < 50).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const src0 = e0.filter((i) => i >= 50).map((i) => i - 50).sort((a, b) => a - b);
    expect(src0).toEqual(fixed.subsetAt(0));
    expect(epoch(fixed, 1).filter((i) => i >= 50).map((i) => i - 50).sort((a, b) => a - b)).toEqual(src0);
    const resample = new SourceReplaySampler({ targetN: 50, sourceN: 1000, batchSize: 10, fraction: 0.1, mode: 'resample', seed: 1 });
    const r0 = epoch(resample, 0).filter((i) => i >= 50);
    const r1 = epoch(resample, 1).filter((i) => i >= 50);
    expect(new Set(r0).size).toBe(100);
    expect(r0.sort()).not.toEqual(r1.sort());
    // pure in the step: a fresh sampler gives the same batch
    expect(new SourceReplaySampler({ targetN: 50, sourceN: 1000, batchSize: 10, fraction: 0.1, mode: 'resample', seed: 1 }).indicesAt(17)).toEqual(resample.indicesAt(17));
    expect(() => new SourceReplaySampler({ targetN: 50, sourceN: 10, batchSize: 4, fraction: 2, mode: 'fixed', seed: 0 })).toThrow(/fraction/);
  });
});
