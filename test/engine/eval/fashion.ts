/**
 * Test helper: reads a slice of Fashion-MNIST (Debian's dataset-fashion-mnist, IDX files) as
 * float32 NHWC images in [0, 1] with their labels.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DIR = '/usr/share/datasets/fashion-mnist';

/** `count` images starting at `start` of the train or test split (28×28×1), plus labels. */
export function loadFashion(split: 'train' | 't10k', start: number, count: number): { pixels: Float32Array; labels: Int32Array; shape: [number, number, number, number] } {
  const img = gunzipSync(readFileSync(`${DIR}/${split}-images-idx3-ubyte.gz`));
  const lab = gunzipSync(readFileSync(`${DIR}/${split}-labels-idx1-ubyte.gz`));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('fashion-mnist: bad IDX magic');
  const total = img.readUInt32BE(4);
  if (start + count > total) throw new Error(`fashion-mnist: ${split} has ${total} images`);
  const per = 28 * 28;
  const pixels = new Float32Array(count * per);
  for (let i = 0; i < count * per; i++) pixels[i] = img[16 + start * per + i] / 255;
  const labels = Int32Array.from(lab.subarray(8 + start, 8 + start + count));
  return { pixels, labels, shape: [count, 28, 28, 1] };
}

/** Keeps only the given classes, relabelled 0..k−1 in the given order. */
export function selectClasses(d: ReturnType<typeof loadFashion>, classes: number[]): ReturnType<typeof loadFashion> {
  const per = 28 * 28;
  const keep: number[] = [];
  d.labels.forEach((y, i) => { if (classes.includes(y)) keep.push(i); });
  const pixels = new Float32Array(keep.length * per);
  keep.forEach((i, j) => pixels.set(d.pixels.subarray(i * per, (i + 1) * per), j * per));
  return { pixels, labels: Int32Array.from(keep, (i) => classes.indexOf(d.labels[i])), shape: [keep.length, 28, 28, 1] };
}
