/**
 * The pixels file of a cache being built. Every item owns one frame slot, numbered in input
 * order; decoder processes write their frames into their slots themselves, frames decoded in
 * this process are staged and written about 1 MB at a time. The slots of items that failed
 * stay empty (holes, listed in the index) so that no frame ever has to move.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class FrameFile {
  private staged: Buffer;
  private stagedStart = 0;
  private stagedCount = 0;

  private constructor(readonly path: string, private readonly fh: FileHandle, private readonly frameBytes: number) {
    this.staged = Buffer.allocUnsafe(Math.max(1, Math.floor((1 << 20) / frameBytes)) * frameBytes);
  }

  /** Creates (or empties) the file. */
  static async create(path: string, frameBytes: number): Promise<FrameFile> {
    return new FrameFile(path, await open(path, 'w+'), frameBytes);
  }

  /** Writes a frame decoded in this process into `slot`. */
  async put(slot: number, frame: Uint8Array): Promise<void> {
    if (this.stagedCount && slot !== this.stagedStart + this.stagedCount) await this.flush();
    if (this.stagedCount === 0) this.stagedStart = slot;
    this.staged.set(frame.subarray(0, this.frameBytes), this.stagedCount * this.frameBytes);
    if (++this.stagedCount * this.frameBytes === this.staged.length) await this.flush();
  }

  /** Writes what is staged. */
  async flush(): Promise<void> {
    if (!this.stagedCount) return;
    await this.fh.write(this.staged, 0, this.stagedCount * this.frameBytes, this.stagedStart * this.frameBytes);
    this.stagedCount = 0;
  }

  /**
   * Writes what is staged and cuts the file after the last frame; `good[s]` tells whether
   * slot s holds a frame. Returns the holes: the empty slots before the last frame.
   */
  async finish(good: boolean[]): Promise<number[]> {
    await this.flush();
    const end = good.lastIndexOf(true) + 1;
    await this.fh.truncate(end * this.frameBytes);
    const holes: number[] = [];
    for (let s = 0; s < end; s++) if (!good[s]) holes.push(s);
    return holes;
  }

  /** Closes the file handle. */
  close(): Promise<void> {
    return this.fh.close();
  }
}
