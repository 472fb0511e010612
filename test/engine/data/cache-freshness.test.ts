/**
 * A decode cache follows its folder: real PNGs written by sharp are added, removed and
 * replaced (same name, different pixels, new mtime) between builds, and each time the cache
 * is seen as stale, rebuilt, and its pixels match the folder; unchanged frames are copied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildCache, isCacheCurrent, type CacheItem } from '../../../src/engine/data/cache';
import { DecodeCache } from '../../../src/engine/data/cache-reader';
import { decodeFrame } from '../../../src/engine/data/decode-frame';
import { plainFolder } from '../../../src/engine/data/sources';

let root: string;
let images: string;
let cache: string;
const RES = 16;
const spec = { resolution: RES, fit: 'cover' as const, maxPixels: 1e8, kernel: 'linear' as const };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'attune-fresh-'));
  images = join(root, 'images');
  cache = join(root, 'cache');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a 24×20 PNG: a solid colour with a lighter stripe (so frames are not uniform). */
async function png(name: string, r: number, g: number, b: number): Promise<void> {
  const w = 24, h = 20;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const stripe = i % w < 6 ? 40 : 0;
    px[i * 3] = Math.min(255, r + stripe); px[i * 3 + 1] = Math.min(255, g + stripe); px[i * 3 + 2] = Math.min(255, b + stripe);
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(images, name));
}

/** The folder's images as cache items, as the prepare stage lists them. */
async function itemsOf(): Promise<CacheItem[]> {
  const out: CacheItem[] = [];
  for await (const c of plainFolder(images, 'unlabeled')) if (!c.error) out.push({ key: c.relPath, label: -1, source: { kind: 'file', absPath: c.absPath } });
  return out;
}

/** Asserts the cache holds exactly the folder's images, each frame equal to a fresh decode. */
async function expectCacheMatchesFolder(): Promise<void> {
  const items = await itemsOf();
  const c = DecodeCache.open(cache);
  try {
    expect(c.index.keys).toEqual(items.map((i) => i.key));
    for (let i = 0; i < items.length; i++) {
      const fresh = await decodeFrame(items[i].source, spec);
      expect(Buffer.from(c.read([i])).equals(fresh), `frame of ${items[i].key}`).toBe(true);
    }
  } finally {
    c.close();
  }
}

/** What the prepare stage does: rebuild when the cache is not current. */
async function refresh(): Promise<{ rebuilt: boolean; reused: number }> {
  const opts = { dir: cache, resolution: RES, decoder: 'here' as const };
  if (await isCacheCurrent(await itemsOf(), opts)) return { rebuilt: false, reused: 0 };
  const index = await buildCache(await itemsOf(), opts);
  return { rebuilt: true, reused: index.reused ?? 0 };
}

describe('decode cache freshness', () => {
  it('notices an added, a removed and a replaced image, and rebuilds reusing unchanged frames', async () => {
    await mkdir(images, { recursive: true });
    await png('a.png', 200, 10, 10);
    await png('b.png', 10, 200, 10);
    await png('c.png', 10, 10, 200);
    expect(await refresh()).toEqual({ rebuilt: true, reused: 0 });
    await expectCacheMatchesFolder();
    expect(await refresh()).toEqual({ rebuilt: false, reused: 0 });

    // added
    await png('d.png', 120, 120, 0);
    expect(await refresh()).toEqual({ rebuilt: true, reused: 3 });
    await expectCacheMatchesFolder();

    // removed
    await unlink(join(images, 'a.png'));
    expect(await refresh()).toEqual({ rebuilt: true, reused: 3 });
    await expectCacheMatchesFolder();

    // replaced: same name and dimensions, other pixels, mtime touched
    const before = await stat(join(images, 'b.png'));
    await png('b.png', 10, 10, 90);
    const later = new Date(before.mtimeMs + 60_000);
    await utimes(join(images, 'b.png'), later, later);
    expect(await refresh()).toEqual({ rebuilt: true, reused: 2 });
    await expectCacheMatchesFolder();
    const c = DecodeCache.open(cache);
    const b = c.read([c.index.keys.indexOf('b.png')]);
    c.close();
    expect([b[3 * (RES * RES - 1)], b[3 * (RES * RES - 1) + 1], b[3 * (RES * RES - 1) + 2]]).toEqual([10, 10, 90]);
    expect(await refresh()).toEqual({ rebuilt: false, reused: 0 });
  }, 120_000);

  it('counts a cache from before stamps, or built at another resolution, as stale', async () => {
    const items = await itemsOf();
    expect(await isCacheCurrent(items, { dir: cache, resolution: RES })).toBe(true);
    expect(await isCacheCurrent(items, { dir: cache, resolution: RES * 2 })).toBe(false);
    expect(await isCacheCurrent(items, { dir: join(root, 'nowhere'), resolution: RES })).toBe(false);
    expect(await isCacheCurrent(items.map((i) => ({ ...i, label: 0 })), { dir: cache, resolution: RES })).toBe(false);
  }, 60_000);

  it('treats a damaged index as stale and, opened directly, names it without quoting it', async () => {
    const broken = join(root, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'index.json'), 'ZQXMARKER not json');
    expect(await isCacheCurrent(await itemsOf(), { dir: broken, resolution: RES })).toBe(false);
    expect(() => DecodeCache.open(broken)).toThrow(/index\.json: cannot read the cache index \(missing or not JSON\); rebuild the cache$/);
    await writeFile(join(broken, 'index.json'), JSON.stringify({ version: 31337 }));
    expect(() => DecodeCache.open(broken)).toThrow(/not a cache index of this Attune \(expected version 1\)/);
    let message = '';
    try {
      DecodeCache.open(broken);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('31337');
  });
});
