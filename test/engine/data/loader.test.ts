import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShuffledSampler, ClassBalancedSampler, MixedSampler, replaySubset } from '../../../src/engine/data/samplers';
import { BatchLoader } from '../../../src/engine/data/loader';
import { buildCache } from '../../../src/engine/data/cache';
import { DecodeCache } from '../../../src/engine/data/cache-reader';
import { loadIdxDataset, idxImage, FASHION_MNIST_CLASSES } from '../../../src/engine/data/idx';

let dir: string;
let target: DecodeCache;
let source: DecodeCache;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-loader-'));
  const fm = '/usr/share/datasets/fashion-mnist';
  const ds = await loadIdxDataset(join(fm, 't10k-images-idx3-ubyte.gz'), join(fm, 't10k-labels-idx1-ubyte.gz'), FASHION_MNIST_CLASSES);
  const items = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ key: `#${from + k}`, label: ds.labels![from + k], source: { kind: 'pixels' as const, data: idxImage(ds, from + k), width: 28, height: 28, channels: 1 as const } }));
  await buildCache(items(0, 120), { dir: join(dir, 't'), resolution: 28 });
  await buildCache(items(5000, 60), { dir: join(dir, 's'), resolution: 28 });
  target = DecodeCache.open(join(dir, 't'));
  source = DecodeCache.open(join(dir, 's'));
});
afterAll(async () => {
  target.close();
  source.close();
  await rm(dir, { recursive: true, force: true });
});

describe('samplers', () => {
  it('shuffled: each item once per epoch, reproducible, resumable from a step', () => {
    const s = new ShuffledSampler(10, 4, 42);
    const seq = Array.from({ length: 5 }, (_, k) => s.indicesAt(k)).flat();
    expect(seq.slice(0, 10).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seq.slice(10, 20).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seq.slice(0, 10)).not.toEqual(seq.slice(10, 20));
    expect(new ShuffledSampler(10, 4, 42).indicesAt(3)).toEqual(seq.slice(12, 16));
    expect(new ShuffledSampler(10, 4, 43).indicesAt(0)).not.toEqual(seq.slice(0, 4));
  });

  it('class-balanced: rare classes drawn as often as common ones', () => {
    const labels = [...new Array(95).fill(0), ...new Array(5).fill(1)];
    const s = new ClassBalancedSampler(labels, 50, 1);
    let rare = 0;
    for (let k = 0; k < 40; k++) rare += s.indicesAt(k).filter((i) => labels[i] === 1).length;
    expect(rare / 2000).toBeGreaterThan(0.4);
    expect(rare / 2000).toBeLessThan(0.6);
    expect(s.indicesAt(7)).toEqual(new ClassBalancedSampler(labels, 50, 1).indicesAt(7));
  });

  it('mixed: a fixed share of source images in every batch, from the replay subset', () => {
    const subset = replaySubset(60, 0.1, 5);
    expect(subset).toHaveLength(6);
    const s = new MixedSampler(120, 60, 20, 0.25, 9, subset);
    for (let k = 0; k < 10; k++) {
      const b = s.indicesAt(k);
      expect(b).toHaveLength(20);
      const src = b.filter((i) => i >= 120);
      expect(src).toHaveLength(5);
      for (const i of src) expect(subset).toContain(i - 120);
    }
    expect(() => new MixedSampler(10, 0, 8, 0.5, 1)).toThrow(/source set is empty/);
  });
});

describe('loader', () => {
  it('gives uint8 NHWC batches with labels, with prefetch, resumable', async () => {
    const sampler = new MixedSampler(target.count, source.count, 16, 0.25, 3);
    const loader = new BatchLoader([target, source], sampler, { prefetch: 2 });
    const b0 = await loader.next();
    const b1 = await loader.next();
    expect(b0.shape).toEqual([16, 28, 28, 3]);
    expect(b0.pixels).toBeInstanceOf(Uint8Array);
    expect(b0.pixels.length).toBe(16 * 28 * 28 * 3);
    expect([...b0.fromSecondary].filter(Boolean)).toHaveLength(4);
    // labels follow the cache index
    for (let j = 0; j < 16; j++) {
      const g = b0.indices[j];
      expect(b0.labels[j]).toBe(g < 120 ? target.index.labels[g] : source.index.labels[g - 120]);
    }
    // pixels equal a direct cache read
    const g = b0.indices[0];
    expect(b0.pixels.subarray(0, 28 * 28 * 3)).toEqual(g < 120 ? target.read([g]) : source.read([g - 120]));
    // resuming at step 1 gives the same batch
    const resumed = await new BatchLoader([target, source], new MixedSampler(target.count, source.count, 16, 0.25, 3), { startStep: 1 }).next();
    expect(resumed.indices).toEqual(b1.indices);
    expect(resumed.pixels).toEqual(b1.pixels);
    expect(loader.nextStep).toBe(2);
  });
});
