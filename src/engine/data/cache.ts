/**
 * Decode cache: sharp decodes and resizes each image once into a per-dataset,
 * per-resolution folder holding one binary file of uint8 HWC RGB frames (`pixels.u8`) and
 * an index (`index.json`) with keys, labels, failures and the dataset's per-channel mean
 * and std. Training reads frames back with plain file reads, never with sharp.
 */
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, explainDecodeError } from './probe';

export const CACHE_VERSION = 1;
export const PIXELS_FILE = 'pixels.u8';
export const INDEX_FILE = 'index.json';

/** How a non-square image becomes a square frame. */
export type CacheFit = 'cover' | 'fill' | 'contain';

/** One image to put in the cache: a file, or raw pixels (IDX datasets). */
export interface CacheItem {
  key: string;
  /** class index, or -1 when unlabeled */
  label: number;
  source: { kind: 'file'; absPath: string } | { kind: 'pixels'; data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 };
}

export interface CacheIndex {
  version: number;
  resolution: number;
  channels: 3;
  fit: CacheFit;
  count: number;
  frameBytes: number;
  /** per-channel mean and std of the cached pixels, in [0, 1] units */
  mean: [number, number, number];
  std: [number, number, number];
  keys: string[];
  labels: number[];
  classNames: string[];
  failures: { key: string; reason: string }[];
  createdAt: string;
}

export interface BuildCacheOptions {
  dir: string;
  resolution: number;
  fit?: CacheFit;
  /** images in flight, kept in input order (default 8: sharp runs 4 at a time on libuv's pool, the rest smooth out slow files) */
  concurrency?: number;
  maxPixels?: number;
  classNames?: string[];
  /** resampling kernel (default 'linear': antialiased bilinear, as PIL/torchvision's default) */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  onProgress?: (done: number, failed: number) => void;
}

/** The cache folder of one dataset at one resolution. */
export function cacheDir(root: string, datasetId: string, resolution: number, fit: CacheFit = 'cover'): string {
  return join(root, datasetId, `${resolution}px-${fit}`);
}

/** Decodes one item to a resolution×resolution×3 uint8 frame; throws with a clear reason. */
export async function decodeFrame(item: CacheItem, resolution: number, fit: CacheFit, maxPixels: number, kernel: BuildCacheOptions['kernel'] = 'linear'): Promise<Buffer> {
  let img: sharp.Sharp;
  if (item.source.kind === 'file') {
    img = sharp(item.source.absPath, { limitInputPixels: maxPixels, failOn: 'truncated' }).rotate();
  } else {
    const { data, width, height, channels } = item.source;
    if (data.length !== width * height * channels) throw new Error(`pixel buffer has ${data.length} bytes, expected ${width}×${height}×${channels}`);
    img = sharp(data, { raw: { width, height, channels } });
  }
  const { data, info } = await img
    .flatten({ background: '#ffffff' })
    .resize(resolution, resolution, { fit, background: '#000000', kernel })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== resolution || info.height !== resolution) {
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${resolution}×${resolution}×3`);
  }
  return data;
}

/** Exact per-channel statistics from value histograms (cheap, no overflow). */
class ChannelStats {
  private hist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  add(frame: Uint8Array): void {
    const [h0, h1, h2] = this.hist;
    for (let i = 0; i < frame.length; i += 3) {
      h0[frame[i]]++;
      h1[frame[i + 1]]++;
      h2[frame[i + 2]]++;
    }
  }
  result(): { mean: [number, number, number]; std: [number, number, number] } {
    const mean = [0, 0, 0] as [number, number, number];
    const std = [0, 0, 0] as [number, number, number];
    for (let c = 0; c < 3; c++) {
      let n = 0, s = 0, s2 = 0;
      const h = this.hist[c];
      for (let v = 0; v < 256; v++) {
        const x = v / 255;
        n += h[v]; s += h[v] * x; s2 += h[v] * x * x;
      }
      mean[c] = n ? s / n : 0;
      std[c] = n ? Math.sqrt(Math.max(0, s2 / n - mean[c] * mean[c])) : 1;
      if (std[c] < 1e-6) std[c] = 1;
    }
    return { mean, std };
  }
}

/**
 * Builds the cache from a stream of items. Frames keep the input order (failures are left
 * out and listed with their reason); files are written to temporary names and renamed,
 * so a crash never leaves a half cache that looks complete.
 */
export async function buildCache(items: Iterable<CacheItem> | AsyncIterable<CacheItem>, opts: BuildCacheOptions): Promise<CacheIndex> {
  const { dir, resolution } = opts;
  if (!Number.isInteger(resolution) || resolution < 8 || resolution > 1024) throw new Error(`cache resolution must be an integer in 8..1024, got ${resolution}`);
  const fit = opts.fit ?? 'cover';
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const frameBytes = resolution * resolution * 3;
  await mkdir(dir, { recursive: true });
  const tmpPixels = join(dir, `${PIXELS_FILE}.tmp`);
  const fh = await open(tmpPixels, 'w');
  const keys: string[] = [];
  const labels: number[] = [];
  const failures: { key: string; reason: string }[] = [];
  const stats = new ChannelStats();
  const inFlight: { item: CacheItem; frame: Promise<Buffer | Error> }[] = [];
  // frames are staged and written about 1 MB at a time: one write per frame would take a slot
  // of libuv's pool (4 threads) from the decoders for every image
  const stageFrames = Math.max(1, Math.floor((1 << 20) / frameBytes));
  const staged = Buffer.allocUnsafe(stageFrames * frameBytes);
  let stagedCount = 0;
  let written = 0;
  const flush = async () => {
    if (stagedCount === 0) return;
    await fh.write(staged, 0, stagedCount * frameBytes, written * frameBytes);
    written += stagedCount;
    stagedCount = 0;
  };
  const settle = async () => {
    const { item, frame } = inFlight.shift()!;
    let f = await frame;
    if (f instanceof Error && /unknown error/i.test(f.message)) {
      // libvips keeps one error buffer for all threads, so concurrent failures can wipe each
      // other's message: decode this file again with nothing else in flight to get the reason
      await Promise.allSettled(inFlight.map((x) => x.frame));
      f = await decodeFrame(item, resolution, fit, maxPixels, opts.kernel).catch((e: Error) => e);
    }
    if (f instanceof Error) failures.push({ key: item.key, reason: explainDecodeError(f.message) });
    else {
      f.copy(staged, stagedCount * frameBytes, 0, frameBytes);
      stats.add(f);
      keys.push(item.key);
      labels.push(item.label);
      if (++stagedCount === stageFrames) await flush();
    }
    opts.onProgress?.(keys.length + failures.length, failures.length);
  };
  try {
    for await (const item of items as AsyncIterable<CacheItem>) {
      inFlight.push({ item, frame: decodeFrame(item, resolution, fit, maxPixels, opts.kernel).catch((e: Error) => e) });
      while (inFlight.length >= concurrency) await settle();
    }
    while (inFlight.length) await settle();
    await flush();
  } finally {
    await fh.close();
  }
  const { mean, std } = stats.result();
  const index: CacheIndex = {
    version: CACHE_VERSION, resolution, channels: 3, fit, count: keys.length, frameBytes, mean, std,
    keys, labels, classNames: opts.classNames ?? [], failures, createdAt: new Date().toISOString(),
  };
  await rename(tmpPixels, join(dir, PIXELS_FILE));
  await writeFile(join(dir, `${INDEX_FILE}.tmp`), JSON.stringify(index));
  await rename(join(dir, `${INDEX_FILE}.tmp`), join(dir, INDEX_FILE));
  return index;
}
