/**
 * Reads frames back from a decode cache with plain file reads (no sharp): whole-file in
 * memory when small enough, positional reads otherwise.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE, PIXELS_FILE, CACHE_VERSION, type CacheIndex } from './cache';

/** Default size under which the pixel file is loaded into memory once (512 MiB). */
export const IN_MEMORY_LIMIT = 512 * 1024 * 1024;

/** The slot of each of `count` frames in a file whose slots `holes` (ascending) are empty. */
function slotsAroundHoles(count: number, holes: number[]): Int32Array {
  const slotOf = new Int32Array(count);
  for (let i = 0, s = 0, h = 0; i < count; s++) {
    if (h < holes.length && holes[h] === s) h++;
    else slotOf[i++] = s;
  }
  return slotOf;
}

/** An open decode cache. Call close() when done. */
export class DecodeCache {
  readonly index: CacheIndex;
  private fd: number | null = null;
  private all: Buffer | null = null;
  /** frame index → slot in the pixel file, when the file has holes */
  private slotOf: Int32Array | null = null;

  private constructor(index: CacheIndex, pixelsPath: string, inMemoryLimit: number) {
    this.index = index;
    const holes = index.holes ?? [];
    if (holes.length) this.slotOf = slotsAroundHoles(index.count, holes);
    const fd = openSync(pixelsPath, 'r');
    const size = fstatSync(fd).size;
    const slots = index.count + holes.length;
    if (size !== slots * index.frameBytes) {
      closeSync(fd);
      throw new Error(`${pixelsPath}: its size does not match the index (expected ${slots} frame slots of ${index.frameBytes} bytes); rebuild the cache`);
    }
    if (size <= inMemoryLimit) {
      this.all = readFileSync(pixelsPath);
      closeSync(fd);
    } else this.fd = fd;
  }

  /** Opens the cache in `dir`, checking the index against the pixel file. */
  static open(dir: string, inMemoryLimit = IN_MEMORY_LIMIT): DecodeCache {
    let index: CacheIndex;
    const indexPath = join(dir, INDEX_FILE);
    try {
      index = JSON.parse(readFileSync(indexPath, 'utf8')) as CacheIndex;
    } catch {
      throw new Error(`${indexPath}: cannot read the cache index (missing or not JSON); rebuild the cache`);
    }
    if (!index || index.version !== CACHE_VERSION) throw new Error(`${indexPath}: not a cache index of this Attune (expected version ${CACHE_VERSION}); rebuild the cache`);
    return new DecodeCache(index, join(dir, PIXELS_FILE), inMemoryLimit);
  }

  get count(): number {
    return this.index.count;
  }
  get resolution(): number {
    return this.index.resolution;
  }

  /** Copies the frames at `indices` into `out` (length indices.length·frameBytes), in order. */
  readInto(indices: ArrayLike<number>, out: Uint8Array): Uint8Array {
    const fb = this.index.frameBytes;
    if (out.length < indices.length * fb) throw new Error(`readInto: output holds ${out.length} bytes, need ${indices.length * fb}`);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!Number.isInteger(i) || i < 0 || i >= this.index.count) throw new Error(`frame index ${i} out of range 0..${this.index.count - 1}`);
      const at = (this.slotOf ? this.slotOf[i] : i) * fb;
      if (this.all) out.set(this.all.subarray(at, at + fb), j * fb);
      else readSync(this.fd!, out, j * fb, fb, at);
    }
    return out;
  }

  /** The frames at `indices` as one N·H·W·3 uint8 array. */
  read(indices: ArrayLike<number>): Uint8Array {
    return this.readInto(indices, new Uint8Array(indices.length * this.index.frameBytes));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.all = null;
  }
}
