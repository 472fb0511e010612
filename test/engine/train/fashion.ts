/** Fashion-MNIST (Debian dataset-fashion-mnist, IDX gzip) for tests: the first n images and labels. */
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';

const DIR = '/usr/share/datasets/fashion-mnist';

/** True when the dataset is installed. */
export function hasFashionMnist(): boolean {
  return existsSync(`${DIR}/train-images-idx3-ubyte.gz`);
}

/** Reads n images (offset `from`) as [n, 28, 28, 1] floats normalised to mean 0, std 1 (dataset stats). */
export function loadFashion(n: number, from = 0, split: 'train' | 't10k' = 'train'): { images: tf.Tensor4D; labels: Int32Array } {
  const img = gunzipSync(readFileSync(`${DIR}/${split}-images-idx3-ubyte.gz`));
  const lab = gunzipSync(readFileSync(`${DIR}/${split}-labels-idx1-ubyte.gz`));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('fashion-mnist: bad IDX magic');
  const total = img.readUInt32BE(4);
  if (from + n > total) throw new Error(`fashion-mnist: asked for ${from + n} images, file has ${total}`);
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) pixels[i] = (img[16 + from * 784 + i] / 255 - 0.286) / 0.353;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + from + i];
  return { images: tf.tensor4d(pixels, [n, 28, 28, 1]), labels };
}
