import { describe, it, expect } from 'vitest';
import { ChannelStats, countChannelValues } from '../../../src/engine/data/channel-stats';

function pseudoRandomFrame(length: number, offset: number): Uint8Array {
  const buf = new Uint8Array(length + offset);
  for (let i = 0; i < buf.length; i++) buf[i] = ((i * 2654435761) >>> 24) & 255;
  return buf.subarray(offset);
}

describe('channel statistics', () => {
  it('count channel values exactly, word-aligned or not, whatever the frame length', () => {
    for (const length of [3, 12, 15, 24 * 24 * 3, 28 * 28 * 3, 224 * 224 * 3]) {
      for (const offset of [0, 1, 4]) {
        const f = pseudoRandomFrame(length, offset);
        const byHand = new Uint32Array(768);
        for (let i = 0; i < f.length; i += 3) byHand[f[i]]++, byHand[256 + f[i + 1]]++, byHand[512 + f[i + 2]]++;
        expect(countChannelValues(f, new Uint32Array(768))).toEqual(byHand);
      }
    }
  });

  it('give the same mean and std from frames or from counts made elsewhere, equal to the direct formula', () => {
    const frames = [pseudoRandomFrame(16 * 16 * 3, 0), pseudoRandomFrame(16 * 16 * 3, 5), new Uint8Array(16 * 16 * 3).fill(200)];
    const direct = new ChannelStats();
    const counted = new ChannelStats();
    for (const f of frames) direct.add(f), counted.addCounts(countChannelValues(f, new Uint32Array(768)));
    expect(counted.result()).toEqual(direct.result());
    const red = frames.flatMap((f) => [...f].filter((_, i) => i % 3 === 0).map((v) => v / 255));
    const mean = red.reduce((a, b) => a + b) / red.length;
    const std = Math.sqrt(red.reduce((a, b) => a + (b - mean) ** 2, 0) / red.length);
    expect(direct.result().mean[0]).toBeCloseTo(mean, 10);
    expect(direct.result().std[0]).toBeCloseTo(std, 10);
  });
});
