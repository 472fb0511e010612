/**
 * A real training step on the wasm backend (small ResNet on Fashion-MNIST, SGD): the tensor
 * count is flat across steps, the loss goes down, and every gradient is finite.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { initBackend } from '../../../src/engine/backend/index';
import { benchTrain } from '../../../src/engine/backend/train-bench';

const FMNIST = '/usr/share/datasets/fashion-mnist';

/** Reads the first `count` images (normalised) and labels (one-hot) of the Fashion-MNIST training set. */
function loadFashionMnist(count: number): { x: Float32Array; y: Int32Array } {
  const images = gunzipSync(readFileSync(`${FMNIST}/train-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${FMNIST}/train-labels-idx1-ubyte.gz`));
  expect(images.readUInt32BE(0)).toBe(2051);
  expect(labels.readUInt32BE(0)).toBe(2049);
  const px = 28 * 28;
  const x = new Float32Array(count * px);
  for (let i = 0; i < count * px; i++) x[i] = (images[16 + i] / 255 - 0.286) / 0.353;
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) y[i] = labels[8 + i];
  return { x, y };
}

describe('training on wasm', () => {
  it('keeps tf.memory().numTensors flat from step 3 to step 30 and learns', async () => {
    const report = await initBackend({ force: 'wasm' });
    expect(report.backend).toBe('wasm');
    const batch = 16;
    const { x, y } = loadFashionMnist(batch * 4);
    const inputs = [0, 1, 2, 3].map((b) => ({
      x: tf.tensor4d(x.subarray(b * batch * 784, (b + 1) * batch * 784), [batch, 28, 28, 1]),
      y: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(y.subarray(b * batch, (b + 1) * batch), 'int32'), 10), 'float32')) as tf.Tensor2D,
    }));
    const counts: number[] = [];
    const losses: number[] = [];
    const before = tf.memory().numTensors - inputs.length * 2;
    const result = await benchTrain({
      arch: 'small-resnet',
      config: { widths: [8, 16], blocks: 1, inChannels: 1 },
      size: 28,
      batch,
      steps: 28,
      warmup: 2,
      inputs,
      onStep: (s) => {
        counts.push(s.numTensors);
        losses.push(s.loss);
      },
    });
    expect(counts).toHaveLength(30);
    expect(counts[29]).toBe(counts[2]);
    expect(losses.every(Number.isFinite)).toBe(true);
    const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
    const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
    expect(last).toBeLessThan(first * 0.9);
    expect(result.imagesPerSecond).toBeGreaterThan(0);
    inputs.forEach((b) => tf.dispose([b.x, b.y]));
    // the benchmark released its model, head and optimiser state
    expect(tf.memory().numTensors).toBe(before);
  });
});
