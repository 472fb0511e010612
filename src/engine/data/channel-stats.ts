/**
 * Exact per-channel mean and std of the frames in a cache, from counts of each channel value
 * (cheap, and exact at any dataset size). Decoder processes count their own frames and send
 * the counts; frames decoded in-process are counted here.
 */

import { MIN_NORMALIZATION_STD } from '../../shared/schemas/limits';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Adds the channel-value counts of one RGB frame to `counts` (3 × 256: R, then G, then B). */
export function countChannelValues(frame: Uint8Array, counts: Uint32Array): Uint32Array {
  let start = 0;
  if (LITTLE_ENDIAN && frame.byteOffset % 4 === 0) {
    // four pixels from three 32-bit words: a third of the loads of reading byte by byte
    const words = new Uint32Array(frame.buffer, frame.byteOffset, Math.floor(frame.length / 12) * 3);
    for (let k = 0; k < words.length; k += 3) {
      const a = words[k], b = words[k + 1], c = words[k + 2];
      counts[a & 255]++; counts[256 + ((a >>> 8) & 255)]++; counts[512 + ((a >>> 16) & 255)]++;
      counts[a >>> 24]++; counts[256 + (b & 255)]++; counts[512 + ((b >>> 8) & 255)]++;
      counts[(b >>> 16) & 255]++; counts[256 + (b >>> 24)]++; counts[512 + (c & 255)]++;
      counts[(c >>> 8) & 255]++; counts[256 + ((c >>> 16) & 255)]++; counts[512 + (c >>> 24)]++;
    }
    start = words.length * 4;
  }
  for (let i = start; i < frame.length; i += 3) {
    counts[frame[i]]++;
    counts[256 + frame[i + 1]]++;
    counts[512 + frame[i + 2]]++;
  }
  return counts;
}

/** Running channel statistics over many frames. */
export class ChannelStats {
  private totals = new Float64Array(768);
  /** the newest frames' counts, in 32 bits (faster to update), moved to `totals` before they could overflow */
  private recent = new Uint32Array(768);
  private recentPixels = 0;

  /** Counts one frame. */
  add(frame: Uint8Array): void {
    countChannelValues(frame, this.recent);
    this.recentPixels += frame.length / 3;
    if (this.recentPixels > 2 ** 31) this.flush();
  }

  /** Adds counts made elsewhere (countChannelValues). */
  addCounts(counts: ArrayLike<number>): void {
    for (let v = 0; v < 768; v++) this.totals[v] += counts[v];
  }

  /** Mean and std per channel in [0, 1] units (std 1 for a constant channel, one with std below MIN_NORMALIZATION_STD). */
  result(): { mean: [number, number, number]; std: [number, number, number] } {
    this.flush();
    const mean = [0, 0, 0] as [number, number, number];
    const std = [0, 0, 0] as [number, number, number];
    for (let c = 0; c < 3; c++) {
      let n = 0, s = 0, s2 = 0;
      for (let v = 0; v < 256; v++) {
        const k = this.totals[256 * c + v], x = v / 255;
        n += k; s += k * x; s2 += k * x * x;
      }
      mean[c] = n ? s / n : 0;
      std[c] = n ? Math.sqrt(Math.max(0, s2 / n - mean[c] * mean[c])) : 1;
      if (std[c] < MIN_NORMALIZATION_STD) std[c] = 1; // a constant channel: dividing would only amplify noise
    }
    return { mean, std };
  }

  private flush(): void {
    this.addCounts(this.recent);
    this.recent.fill(0);
    this.recentPixels = 0;
  }
}
