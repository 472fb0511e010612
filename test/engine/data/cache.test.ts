import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildCache, cacheDir, type CacheItem } from '../../../src/engine/data/cache';
import { DecodeCache } from '../../../src/engine/data/cache-reader';
import { loadIdxDataset, idxImage, idxRecords, idxCacheItems, parseIdx, FASHION_MNIST_CLASSES } from '../../../src/engine/data/idx';
import { patternImage, hugeHeaderPng, writeBadInputs } from '../../fixtures/images/generate';

const FMNIST = '/usr/share/datasets/fashion-mnist';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decode cache', () => {
  it('decodes files once to uint8 HWC frames, keeps order, refuses bombs naming the file', async () => {
    const items: CacheItem[] = [];
    const solid = async (r: number, g: number, b: number) => sharp({ create: { width: 50, height: 30, channels: 3, background: { r, g, b } } }).png().toBuffer();
    await writeFile(join(dir, 'red.png'), await solid(255, 0, 0));
    await writeFile(join(dir, 'blue.png'), await solid(0, 0, 255));
    await writeFile(join(dir, 'bomb.png'), hugeHeaderPng(30000, 30000));
    await writeFile(join(dir, 'pattern.jpg'), await patternImage(64, 64, 3));
    items.push({ key: 'red.png', label: 0, source: { kind: 'file', absPath: join(dir, 'red.png') } });
    items.push({ key: 'bomb.png', label: 0, source: { kind: 'file', absPath: join(dir, 'bomb.png') } });
    items.push({ key: 'blue.png', label: 1, source: { kind: 'file', absPath: join(dir, 'blue.png') } });
    items.push({ key: 'pattern.jpg', label: -1, source: { kind: 'file', absPath: join(dir, 'pattern.jpg') } });
    const out = cacheDir(join(dir, 'cache'), 'ds1', 16);
    const idx = await buildCache(items, { dir: out, resolution: 16, concurrency: 3 });
    expect(idx.keys).toEqual(['red.png', 'blue.png', 'pattern.jpg']);
    expect(idx.labels).toEqual([0, 1, -1]);
    expect(idx.failures).toHaveLength(1);
    expect(idx.failures[0].key).toBe('bomb.png');
    expect(idx.failures[0].reason).toMatch(/pixel limit|too large/i);
    const cache = DecodeCache.open(out);
    const frames = cache.read([1, 0]);
    expect(frames.length).toBe(2 * 16 * 16 * 3);
    expect([...frames.subarray(0, 3)]).toEqual([0, 0, 255]);
    expect([...frames.subarray(16 * 16 * 3, 16 * 16 * 3 + 3)]).toEqual([255, 0, 0]);
    // mean/std are computed from the cached pixels
    const all = cache.read([0, 1, 2]);
    let s = 0;
    for (let i = 0; i < all.length; i += 3) s += all[i] / 255;
    expect(idx.mean[0]).toBeCloseTo(s / (all.length / 3), 6);
    expect(idx.std[0]).toBeGreaterThan(0.1);
    cache.close();
    // the positional-read path gives the same bytes
    const onDisk = DecodeCache.open(out, 0);
    expect(onDisk.read([1, 0])).toEqual(frames);
    onDisk.close();
    expect(() => cache.read([0])).toThrow();
  });

  it('converts alpha, 16-bit, CMYK and grayscale to 3-channel 8-bit, and fails corrupt files with a reason', async () => {
    const root = join(dir, 'bad');
    await writeBadInputs(root);
    const names = ['dogs/alpha.png', 'dogs/deep16.png', 'dogs/cmyk.jpg', 'dogs/grey.png', 'dogs/one.png', 'cats/truncated.jpg', 'cats/text.jpg', 'dogs/old.bmp'];
    const idx = await buildCache(names.map((k) => ({ key: k, label: -1, source: { kind: 'file' as const, absPath: join(root, k) } })), { dir: join(dir, 'c2'), resolution: 24 });
    expect(idx.keys).toEqual(names.slice(0, 5));
    expect(Object.fromEntries(idx.failures.map((f) => [f.key, f.reason]))).toMatchObject({
      'cats/truncated.jpg': expect.stringMatching(/truncated|corrupt/),
      'cats/text.jpg': expect.stringMatching(/not an image/),
      'dogs/old.bmp': expect.stringMatching(/not an image|unsupported/i),
    });
  });

  it('rejects a pixel file that does not match its index', async () => {
    const out = join(dir, 'c3');
    await buildCache([{ key: 'a', label: 0, source: { kind: 'file', absPath: join(dir, 'red.png') } }], { dir: out, resolution: 8 });
    await writeFile(join(out, 'pixels.u8'), Buffer.alloc(10));
    expect(() => DecodeCache.open(out)).toThrow(/does not match the index/);
  });
});

describe('IDX (Fashion-MNIST)', () => {
  it('reads the real files and caches them as RGB frames', async () => {
    const ds = await loadIdxDataset(join(FMNIST, 't10k-images-idx3-ubyte.gz'), join(FMNIST, 't10k-labels-idx1-ubyte.gz'), FASHION_MNIST_CLASSES);
    expect([ds.count, ds.height, ds.width, ds.channels]).toEqual([10000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels!) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const first = idxRecords(ds, 'labeled', 'test', 100).next().value!;
    expect(first[0]).toMatchObject({ relPath: 't10k-images-idx3-ubyte#0', label: 'Ankle boot', width: 28, format: 'idx', error: null });
    const n = 200;
    const items: CacheItem[] = Array.from({ length: n }, (_, i) => ({ key: `t10k#${i}`, label: ds.labels![i], source: { kind: 'pixels', data: idxImage(ds, i), width: 28, height: 28, channels: 1 } }));
    const idx = await buildCache(items, { dir: join(dir, 'fm'), resolution: 32, classNames: FASHION_MNIST_CLASSES });
    expect(idx.count).toBe(n);
    const helperItems = [...idxCacheItems(ds)];
    expect(helperItems).toHaveLength(10000);
    expect(helperItems[3]).toMatchObject({ key: 't10k-images-idx3-ubyte#3', label: ds.labels![3] });
    const frame = DecodeCache.open(join(dir, 'fm')).read([0]);
    // grey copied to three channels
    for (let i = 0; i < frame.length; i += 3) expect(frame[i]).toBe(frame[i + 1]);
    // Fashion-MNIST is mostly dark background: mean well below 0.5
    expect(idx.mean[0]).toBeGreaterThan(0.15);
    expect(idx.mean[0]).toBeLessThan(0.45);
  });

  it('names bad IDX files', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]), 'x.idx')).toThrow(/x.idx: not an IDX file/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1]), 'y.idx')).toThrow(/y.idx: truncated/);
  });
});
