/**
 * Decode cache: sharp decodes and resizes each image once into a per-dataset,
 * per-resolution folder holding one binary file of uint8 HWC RGB frames (`pixels.u8`) and
 * an index (`index.json`) with keys, labels, failures and the dataset's per-channel mean
 * and std. Training reads frames back with plain file reads, never with sharp. The index keeps
 * each frame's stamp (size and mtime of its file) and a manifest of all items, so a changed
 * folder is noticed (isCacheCurrent) and a rebuild decodes only what changed.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChannelStats } from './channel-stats';
import { decodeFrame, type CacheFit, type FrameSource, type FrameSpec } from './decode-frame';
import { DecodePool, DecodePoolUnavailable, FrameWriteError, sharedDecodePool } from './decode-pool';
import { FrameFile } from './frame-file';
import { DEFAULT_MAX_PIXELS, explainDecodeError } from './probe';
import { Manifest, PreviousFrames, readPreviousIndex, specKey, stampOf } from './cache-freshness';

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
  /** the frame spec the cache was built with (resolution, fit, kernel, pixel limit) */
  spec?: string;
  /** stamp of each frame's source (`file:<size>:<mtimeMs>` or a hash of its bytes), like `keys` */
  stamps?: string[];
  /** hash of every item's key, label and stamp, in order, and of the spec and class names */
  manifest?: string;
  /** frames copied from the previous cache instead of decoded, in the build that wrote this index */
  reused?: number;
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
  /** copy the frames of unchanged files from the cache already in `dir` (default true) */
  reuse?: boolean;
  onProgress?: (done: number, failed: number) => void;
}

/** The frame spec of a build, with the defaults filled in; checks the resolution. */
function frameSpecOf(opts: BuildCacheOptions): FrameSpec {
  const { resolution } = opts;
  if (!Number.isInteger(resolution) || resolution < 8 || resolution > 1024) throw new Error(`cache resolution must be an integer in 8..1024, got ${resolution}`);
  return { resolution, fit: opts.fit ?? 'cover', maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, kernel: opts.kernel ?? 'linear' };
}

/**
 * True when the cache in `opts.dir` was built from exactly these items (same keys, labels,
 * order, file sizes and mtimes or pixel bytes) with the same spec and class names; false when
 * it is missing, from an older Attune, or anything changed. Reads no pixels: one stat per file.
 */
export async function isCacheCurrent(items: Iterable<CacheItem> | AsyncIterable<CacheItem>, opts: BuildCacheOptions): Promise<boolean> {
  const spec = frameSpecOf(opts);
  const prev = (await readPreviousIndex(opts.dir, INDEX_FILE)) as Partial<CacheIndex> | null;
  if (!prev || prev.version !== CACHE_VERSION || !prev.manifest || prev.spec !== specKey(spec)) return false;
  const manifest = new Manifest(spec, opts.classNames ?? []);
  let batch: CacheItem[] = [];
  const flush = async () => {
    const stamps = await Promise.all(batch.map((i) => stampOf(i.source)));
    batch.forEach((i, k) => manifest.add(i.key, i.label, stamps[k]));
    batch = [];
  };
  for await (const item of items as AsyncIterable<CacheItem>) {
    batch.push(item);
    if (batch.length >= 64) await flush();
  }
  await flush();
  return manifest.digest() === prev.manifest;
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
  const spec = frameSpecOf(opts);
  const fit = spec.fit;
  const frameBytes = resolution * resolution * 3;
  await mkdir(dir, { recursive: true });
  const previous = opts.reuse === false ? null : await PreviousFrames.open(dir, INDEX_FILE, PIXELS_FILE, spec);
  const manifest = new Manifest(spec, opts.classNames ?? []);
  const stamps: string[] = [];
  let reused = 0;
  const file = await FrameFile.create(join(dir, `${PIXELS_FILE}.tmp`), frameBytes);
  const decode = frameDecoder(spec, opts, file, frameBytes);
  const concurrency = Math.max(1, opts.concurrency ?? Math.max(8, 4 * decode.decoders));
  /** by slot: the item whose frame is there, or null when it failed */
  const slots: (CacheItem | null)[] = [];
  const failures: { key: string; reason: string }[] = [];
  const stats = new ChannelStats();
  const inFlight: { item: CacheItem; slot: number; stamp: Promise<string>; result: Promise<Decoded | Error> }[] = [];
  /** the frame of an unchanged item copied from the previous cache, else a decode */
  const frameOf = async (item: CacheItem, stamp: Promise<string>, slot: number): Promise<Decoded> => {
    const old = previous && (await previous.frame(item.key, await stamp));
    if (old) return reused++, old;
    return decode(item.source, slot);
  };
  const settle = async () => {
    const { item, slot, stamp, result } = inFlight.shift()!;
    let r = await result;
    manifest.add(item.key, item.label, await stamp);
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
      stamps[slot] = await stamp;
    }
    opts.onProgress?.(slots.length, failures.length);
  };
  let holes: number[];
  try {
    for await (const item of items as AsyncIterable<CacheItem>) {
      const slot = slots.length + inFlight.length;
      // stamped before it is decoded: a file changed in between is seen as changed next time
      const stamp = stampOf(item.source);
      inFlight.push({ item, slot, stamp, result: frameOf(item, stamp, slot).catch((e: Error) => e) });
      while (inFlight.length >= concurrency) await settle();
    }
    while (inFlight.length) await settle();
    holes = await file.finish(slots.map((x) => x !== null));
  } finally {
    // nothing may still be writing into the file once this returns
    await Promise.allSettled(inFlight.map((x) => x.result));
    await file.close();
    await previous?.close();
  }
  const kept = slots.filter((x) => x !== null);
  const { mean, std } = stats.result();
  const index: CacheIndex = {
    version: CACHE_VERSION, resolution, channels: 3, fit, count: kept.length, frameBytes, mean, std,
    keys: kept.map((x) => x.key), labels: kept.map((x) => x.label), classNames: opts.classNames ?? [], failures, createdAt: new Date().toISOString(),
    ...(holes.length ? { holes } : {}),
    spec: specKey(spec), stamps: slots.flatMap((x, s) => (x === null ? [] : [stamps[s]])), manifest: manifest.digest(), reused,
  };
  await rename(file.path, join(dir, PIXELS_FILE));
  await writeFile(join(dir, `${INDEX_FILE}.tmp`), JSON.stringify(index));
  await rename(join(dir, `${INDEX_FILE}.tmp`), join(dir, INDEX_FILE));
  return index;
}
