/**
 * Throughput measurements of the data pipeline (used by `attune bench data`): decode-to-cache
 * of real JPEG files and two-view augmentation on the active tfjs backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { SeededRandom } from '../train/seed';
import { buildCache, type BuildCacheOptions, type CacheItem } from './cache';
import { DecodePool } from './decode-pool';
import { DecodeCache } from './cache-reader';
import { ShuffledSampler } from './samplers';
import { BatchLoader } from './loader';
import { augmentViews } from './augment/pipeline';
import { VIEW_PIPELINES } from './augment/policies';

/**
 * Writes `count` photo-like JPEGs (smooth shapes, gradients and sensor-like noise) of
 * width×height into `dir`, named 00000.jpg…; returns their paths.
 */
export async function writeBenchJpegs(dir: string, count: number, width = 500, height = 375, seed = 1): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const rng = new SeededRandom(seed);
  const paths: string[] = [];
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < count; i++) {
    const fx = 0.5 + rng.next() * 4, fy = 0.5 + rng.next() * 4, phase = rng.next() * 6.28;
    const base = [rng.int(200), rng.int(200), rng.int(200)];
    const cx = rng.int(width), cy = rng.int(height), r2 = (30 + rng.int(120)) ** 2;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const k = (y * width + x) * 3;
        const wave = 40 * Math.sin((x / width) * fx * 6.28 + phase) * Math.cos((y / height) * fy * 6.28);
        const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r2 ? 50 : 0;
        for (let c = 0; c < 3; c++) data[k + c] = Math.max(0, Math.min(255, base[c] + wave * (c + 1) / 2 + inDisc + (rng.next() - 0.5) * 24));
      }
    }
    const p = join(dir, `${String(i).padStart(5, '0')}.jpg`);
    await writeFile(p, await sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).toBuffer());
    paths.push(p);
  }
  return paths;
}

/**
 * Decodes the files into a fresh cache at `size`; returns images per second. A given decoder
 * pool is started before the clock starts, as the peer's interpreter is.
 */
export async function measureDecode(paths: string[], cacheDir: string, size: number, opts: Pick<BuildCacheOptions, 'concurrency' | 'decoder'> = {}): Promise<number> {
  const items: CacheItem[] = paths.map((p, i) => ({ key: String(i), label: -1, source: { kind: 'file', absPath: p } }));
  if (opts.decoder instanceof DecodePool) await opts.decoder.start();
  const t0 = performance.now();
  const index = await buildCache(items, { dir: cacheDir, resolution: size, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  if (index.failures.length) throw new Error(`bench decode: ${index.failures.length} files failed, e.g. ${index.failures[0].key}: ${index.failures[0].reason}`);
  return paths.length / seconds;
}

/**
 * Two augmented views (the named pipeline, BYOL by default) of `images` frames read from
 * the cache in batches (at least 8 batches, cycling through the cache, so that one slow
 * batch on a shared machine does not decide the figure); returns images per second (each
 * image yields both views) and checks the tensor count does not grow.
 */
export async function measureAugment(cacheDir: string, images: number, batch: number, pipeline = 'byol', seed = 0): Promise<number> {
  const cache = DecodeCache.open(cacheDir);
  try {
    const policies = VIEW_PIPELINES[pipeline];
    if (!policies) throw new Error(`unknown augmentation pipeline "${pipeline}" (known: ${Object.keys(VIEW_PIPELINES).join(', ')})`);
    const loader = new BatchLoader([cache], new ShuffledSampler(cache.count, batch, seed), { prefetch: 1 });
    const rng = new SeededRandom(seed);
    const { mean, std, resolution } = cache.index;
    const step = async () => {
      const b = await loader.next();
      tf.dispose(augmentViews(b.pixels, b.shape, policies, { outSize: resolution, mean, std, rng }));
    };
    await step(); // warm-up: kernel setup, first allocations
    const before = tf.memory().numTensors;
    const steps = Math.max(8, Math.round(images / batch));
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await step();
    const seconds = (performance.now() - t0) / 1000;
    if (tf.memory().numTensors !== before) throw new Error(`augmentation leaked ${tf.memory().numTensors - before} tensors`);
    return (steps * batch) / seconds;
  } finally {
    cache.close();
  }
}
