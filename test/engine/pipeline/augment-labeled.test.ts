import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from '../eval/setup';
import { shiftFlip, shiftFlipParams } from '../../../src/engine/pipeline/images';

beforeAll(async () => {
  await startBackend();
});

/** The image moved by (dy, dx) whole pixels, zero-filled, then mirrored if `flip`. */
function shifted(img: number[][], dy: number, dx: number, flip: boolean): number[][] {
  const n = img.length;
  const out = img.map((row, y) => row.map((_, x) => {
    const sy = y + dy, sx = x + dx;
    return sy >= 0 && sy < n && sx >= 0 && sx < n ? img[sy][sx] : 0;
  }));
  return flip ? out.map((row, y) => row.map((_, x) => out[y][n - 1 - x])) : out;
}

describe('fine-tune augmentation of labeled images', () => {
  const side = 16;
  const img = Array.from({ length: side }, (_, y) => Array.from({ length: side }, (_, x) => (y * side + x) / (side * side)));

  it('shift-flip moves each image by whole pixels (at most 1/8 of the side) and mirrors some', () => {
    const n = 24;
    const x = tf.tensor4d(Array.from({ length: n }, () => img).flat(2), [n, side, side, 1]);
    const y = shiftFlip(x, shiftFlipParams(n, side, 'shift-flip', 7));
    const out = y.arraySync() as number[][][][];
    y.dispose();
    let flips = 0, moves = 0;
    for (let i = 0; i < n; i++) {
      const got = out[i].map((r) => r.map((v) => v[0]));
      const match: Array<[number, number, boolean]> = [];
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) for (const f of [false, true]) {
        const want = shifted(img, dy, dx, f);
        if (want.every((row, y) => row.every((v, xx) => Math.abs(v - got[y][xx]) < 1e-5))) match.push([dy, dx, f]);
      }
      expect(match.length, `image ${i} is not a whole-pixel shift of at most 2 px`).toBe(1);
      if (match[0][2]) flips++;
      if (match[0][0] !== 0 || match[0][1] !== 0) moves++;
    }
    expect(flips).toBeGreaterThan(3);
    expect(flips).toBeLessThan(n - 3);
    expect(moves).toBeGreaterThan(n / 2);
    x.dispose();
  });

  it('is seeded; "flip" only mirrors and "none" leaves images as they are', () => {
    expect(shiftFlipParams(8, side, 'shift-flip', 3)).toEqual(shiftFlipParams(8, side, 'shift-flip', 3));
    expect(shiftFlipParams(8, side, 'shift-flip', 3)).not.toEqual(shiftFlipParams(8, side, 'shift-flip', 4));
    const flip = shiftFlipParams(32, side, 'flip', 1);
    expect([...flip.dy, ...flip.dx].every((v) => v === 0)).toBe(true);
    expect(flip.flip.some(Boolean)).toBe(true);
    const none = shiftFlipParams(8, side, 'none', 1);
    expect([...none.dy, ...none.dx].every((v) => v === 0) && !none.flip.some(Boolean)).toBe(true);
    const x = tf.tensor4d(img.flat(), [1, side, side, 1]);
    const same = shiftFlip(x, none);
    expect(same.arraySync()).toEqual(x.arraySync());
    x.dispose();
    same.dispose();
  });
});
