/**
 * Is a decode cache still the folder it was built from? Every item gets a stamp (a file's size
 * and modification time; a hash of the bytes for pixels or encoded images given in memory),
 * and the cache index keeps the stamp of each frame plus a manifest: one hash over every
 * item's key, label and stamp and over the frame spec. A cache whose manifest differs from the
 * items' is stale; a rebuild copies the frames whose key and stamp did not change from the old
 * pixel file instead of decoding them again.
 */
import { createHash } from 'node:crypto';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrameSource, FrameSpec } from './decode-frame';

/** The stamp of an image: `file:<size>:<mtimeMs>`, `bytes:<sha1>`, or `missing` when a file cannot be stat'ed. */
export async function stampOf(source: FrameSource): Promise<string> {
  if (source.kind === 'file') {
    try {
      const s = await stat(source.absPath);
      return `file:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }
  const h = createHash('sha1');
  if (source.kind === 'pixels') h.update(`${source.width}x${source.height}x${source.channels}:`);
  h.update(source.data);
  return `bytes:${h.digest('hex')}`;
}

/** Running manifest of a list of items under one frame spec and class list. */
export class Manifest {
  private readonly hash = createHash('sha256');

  constructor(spec: FrameSpec, classNames: string[]) {
    this.hash.update(JSON.stringify({ spec: [spec.resolution, spec.fit, spec.kernel, spec.maxPixels], classNames }));
  }

  /** Adds one item, in input order. */
  add(key: string, label: number, stamp: string): void {
    this.hash.update(`\n${JSON.stringify([key, label, stamp])}`);
  }

  /** The hex digest (call once). */
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** What a previous index must hold for its frames to be reused. */
interface PreviousIndex {
  frameBytes: number;
  spec?: string;
  keys: string[];
  stamps?: string[];
  holes?: number[];
  manifest?: string;
}

/** A text key of a frame spec, stored in the index so frames are reused only under the same spec. */
export function specKey(spec: FrameSpec): string {
  return `${spec.resolution}px-${spec.fit}-${spec.kernel}-${spec.maxPixels}`;
}

/** Reads the index in `dir`, or null when there is none or it cannot be parsed. */
export async function readPreviousIndex(dir: string, indexFile: string): Promise<PreviousIndex | null> {
  try {
    const raw = JSON.parse(await readFile(join(dir, indexFile), 'utf8')) as PreviousIndex;
    return raw && Array.isArray(raw.keys) ? raw : null;
  } catch {
    return null;
  }
}

/** Frames of the previous cache that can be copied into a rebuild, by key. */
export class PreviousFrames {
  private constructor(
    private readonly fh: FileHandle,
    private readonly frameBytes: number,
    private readonly byKey: Map<string, { slot: number; stamp: string }>,
  ) {}

  /**
   * Opens the previous pixel file of `dir` when its index has stamps and was built with the
   * same spec; null otherwise (the rebuild then decodes everything).
   */
  static async open(dir: string, indexFile: string, pixelsFile: string, spec: FrameSpec): Promise<PreviousFrames | null> {
    const prev = await readPreviousIndex(dir, indexFile);
    const frameBytes = spec.resolution * spec.resolution * 3;
    if (!prev || prev.spec !== specKey(spec) || prev.frameBytes !== frameBytes || !Array.isArray(prev.stamps) || prev.stamps.length !== prev.keys.length) return null;
    const holes = new Set(prev.holes ?? []);
    const byKey = new Map<string, { slot: number; stamp: string }>();
    for (let i = 0, slot = 0; i < prev.keys.length; slot++) {
      if (holes.has(slot)) continue;
      byKey.set(prev.keys[i], { slot, stamp: prev.stamps[i] });
      i++;
    }
    let fh: FileHandle;
    try {
      fh = await open(join(dir, pixelsFile), 'r');
      const size = (await fh.stat()).size;
      if (size !== (prev.keys.length + holes.size) * frameBytes) {
        await fh.close();
        return null;
      }
    } catch {
      return null;
    }
    return new PreviousFrames(fh, frameBytes, byKey);
  }

  /** The old frame of `key` when its stamp is still `stamp`, else null (decode it). */
  async frame(key: string, stamp: string): Promise<Buffer | null> {
    const at = this.byKey.get(key);
    if (!at || at.stamp !== stamp || stamp === 'missing') return null;
    const buf = Buffer.allocUnsafe(this.frameBytes);
    const { bytesRead } = await this.fh.read(buf, 0, this.frameBytes, at.slot * this.frameBytes);
    return bytesRead === this.frameBytes ? buf : null;
  }

  /** Closes the old pixel file. */
  close(): Promise<void> {
    return this.fh.close();
  }
}
