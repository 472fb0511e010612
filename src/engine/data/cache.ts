/**
 * Decode cache: sharp decodes and resizes each image once into a per-dataset,
 * per-resolution folder holding one binary file of uint8 HWC RGB frames (`pixels.u8`) and
 * an index (`index.json`) with keys, labels, failures and the dataset's per-channel mean
 * and std. Training reads frames back with plain file reads, never with sharp.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChannelStats } from './channel-stats';
import { decodeFrame, type CacheFit, type FrameSource, type FrameSpec } from './decode-frame';
import { DecodePool, DecodePoolUnavailable, FrameWriteError, sharedDecodePool } from './decode-pool';
import { FrameFile } from './frame-file';
import { DEFAULT_MAX_PIXELS, explainDecodeError } from './probe';

export type { CacheFit } from './decode-frame';

export const CACHE_VERSION = 1;
export const PIXELS_FILE = 'pixels.u8';
export const INDEX_FILE = 'index.json';

/** One image to put in the cache: a file, or raw pixels (IDX datasets). */
export interface CacheItem {
  key: string;
  /** class index, or -1 when unlabeled */
  label: number;
  source: FrameSource;
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
  /** empty frame slots in the pixel file (of files that failed), ascending; absent when none */
  holes?: number[];
}

export interface BuildCacheOptions {
  dir: string;
  resolution: number;
  fit?: CacheFit;
  /** images in flight, kept in input order (default 8, or 4 per decoder process if more) */
  concurrency?: number;
  maxPixels?: number;
  classNames?: string[];
  /** resampling kernel (default 'linear': antialiased bilinear, as PIL/torchvision's default) */
  kernel?: FrameSpec['kernel'];
  /**
   * Where files are decoded: 'auto' (default) in this process for the first `poolAfter`
   * files, then in the shared decoder processes as soon as they are up; 'here' only in this
   * process; or in the given pool (as soon as it is up). Raw pixels are always decoded here.
   */
  decoder?: 'auto' | 'here' | DecodePool;
  /** files decoded here before 'auto' starts the decoder processes (default 200) */
  poolAfter?: number;
  onProgress?: (done: number, failed: number) => void;
}

/** The cache folder of one dataset at one resolution. */
export function cacheDir(root: string, datasetId: string, resolution: number, fit: CacheFit = 'cover'): string {
  return join(root, datasetId, `${resolution}px-${fit}`);
}

/** A frame decoded in this process, or the channel-value counts of one a decoder process wrote into its slot. */
type Decoded = Buffer | Uint32Array;

/**
 * The decode step of buildCache: files go to the decoder processes once they are up (see
 * `decoder`), everything else is decoded here. If the decoder processes cannot start, files
 * are decoded here too.
 */
function frameDecoder(spec: FrameSpec, opts: BuildCacheOptions, file: FrameFile, frameBytes: number) {
  const choice = opts.decoder ?? 'auto';
  const pool = choice === 'here' ? null : choice === 'auto' ? sharedDecodePool() : choice;
  const poolAfter = choice === 'auto' ? (opts.poolAfter ?? 200) : 0;
  let files = 0;
  const decode = (source: FrameSource, slot: number): Promise<Decoded> => {
    if (source.kind !== 'file' || !pool || pool.unavailable) return decodeFrame(source, spec);
    if (++files > poolAfter && !pool.ready) pool.start().catch(() => {});
    if (!pool.ready) return decodeFrame(source, spec);
    return pool
      .decodeInto(source.absPath, spec, { file: file.path, offset: slot * frameBytes })
      .catch((e: Error) => (e instanceof DecodePoolUnavailable ? decodeFrame(source, spec) : Promise.reject(e)));
  };
  return Object.assign(decode, { decoders: pool?.size ?? 0 });
}

/**
 * Builds the cache from a stream of items. Frames keep the input order (failures are left
 * out and listed with their reason; their empty slots in the pixel file are the index's
 * `holes`); files are written to temporary names and renamed, so a crash never leaves a half
 * cache that looks complete.
 */
export async function buildCache(items: Iterable<CacheItem> | AsyncIterable<CacheItem>, opts: BuildCacheOptions): Promise<CacheIndex> {
  const { dir, resolution } = opts;
  if (!Number.isInteger(resolution) || resolution < 8 || resolution > 1024) throw new Error(`cache resolution must be an integer in 8..1024, got ${resolution}`);
  const fit = opts.fit ?? 'cover';
  const spec: FrameSpec = { resolution, fit, maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, kernel: opts.kernel ?? 'linear' };
  const frameBytes = resolution * resolution * 3;
  await mkdir(dir, { recursive: true });
  const file = await FrameFile.create(join(dir, `${PIXELS_FILE}.tmp`), frameBytes);
  const decode = frameDecoder(spec, opts, file, frameBytes);
  const concurrency = Math.max(1, opts.concurrency ?? Math.max(8, 4 * decode.decoders));
  /** by slot: the item whose frame is there, or null when it failed */
  const slots: (CacheItem | null)[] = [];
  const failures: { key: string; reason: string }[] = [];
  const stats = new ChannelStats();
  const inFlight: { item: CacheItem; slot: number; result: Promise<Decoded | Error> }[] = [];
  const settle = async () => {
    const { item, slot, result } = inFlight.shift()!;
    let r = await result;
    // the cache itself cannot be written: stop, this is not about the file
    if (r instanceof FrameWriteError) throw r;
    if (r instanceof Error && /unknown error/i.test(r.message)) {
      // libvips keeps one error buffer for all threads, so concurrent failures can wipe each
      // other's message: decode this file again with nothing else in flight to get the reason
      await Promise.allSettled(inFlight.map((x) => x.result));
      r = await decodeFrame(item.source, spec).catch((e: Error) => e);
    }
    if (r instanceof Error) {
      failures.push({ key: item.key, reason: explainDecodeError(r.message) });
      slots[slot] = null;
    } else {
      if (r instanceof Uint32Array) stats.addCounts(r);
      else await file.put(slot, r), stats.add(r);
      slots[slot] = item;
    }
    opts.onProgress?.(slots.length, failures.length);
  };
  let holes: number[];
  try {
    for await (const item of items as AsyncIterable<CacheItem>) {
      const slot = slots.length + inFlight.length;
      inFlight.push({ item, slot, result: decode(item.source, slot).catch((e: Error) => e) });
      while (inFlight.length >= concurrency) await settle();
    }
    while (inFlight.length) await settle();
    holes = await file.finish(slots.map((x) => x !== null));
  } finally {
    // nothing may still be writing into the file once this returns
    await Promise.allSettled(inFlight.map((x) => x.result));
    await file.close();
  }
  const kept = slots.filter((x) => x !== null);
  const { mean, std } = stats.result();
  const index: CacheIndex = {
    version: CACHE_VERSION, resolution, channels: 3, fit, count: kept.length, frameBytes, mean, std,
    keys: kept.map((x) => x.key), labels: kept.map((x) => x.label), classNames: opts.classNames ?? [], failures, createdAt: new Date().toISOString(),
    ...(holes.length ? { holes } : {}),
  };
  await rename(file.path, join(dir, PIXELS_FILE));
  await writeFile(join(dir, `${INDEX_FILE}.tmp`), JSON.stringify(index));
  await rename(join(dir, `${INDEX_FILE}.tmp`), join(dir, INDEX_FILE));
  return index;
}
