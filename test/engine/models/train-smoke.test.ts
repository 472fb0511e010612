/**
 * A small ResNet with a linear head learns on real Fashion-MNIST images: the loss falls over
 * a few SGD steps in BN train mode, the tensor count stays flat, running statistics move.
 * Runs on the engine's backend (initBackend: wasm with this project's training kernels here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '../../../src/engine/backend';
import { createBackbone, trainableNames } from '../../../src/engine/models/registry';
import { createHead, headForward, linearHeadSpec } from '../../../src/engine/models/heads';

const DIR = '/usr/share/datasets/fashion-mnist';
const have = existsSync(`${DIR}/t10k-images-idx3-ubyte.gz`);

function loadFashion(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const images = gunzipSync(readFileSync(`${DIR}/t10k-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${DIR}/t10k-labels-idx1-ubyte.gz`));
  expect(images.readUInt32BE(0)).toBe(2051);
  const px = new Float32Array(n * 28 * 28);
  for (let i = 0; i < px.length; i++) px[i] = images[16 + i] / 255 - 0.29;
  const y = Array.from(labels.subarray(8, 8 + n));
  return { x: tf.tensor4d(px, [n, 28, 28, 1]), y: tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), 10), 'float32') as tf.Tensor2D };
}

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

describe.skipIf(!have)('small-resnet trains on Fashion-MNIST', () => {
  it('loss decreases, tensors stay flat, BN running stats update', () => {
    const backbone = createBackbone('small-resnet', { widths: [4, 8], blocks: 1, inChannels: 1 }, 1);
    const spec = linearHeadSpec(backbone.featureDim, 10);
    const head = createHead(spec, 'fc', 2);
    const params = new Map([...backbone.params, ...head.params]);
    const vars = [...trainableNames(backbone), ...trainableNames(head)].map((n) => params.get(n)!);
    const { x, y } = loadFashion(16);
    const lr = 0.3;
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const f = backbone.forwardFeatures(params, x, { bnMode: 'train' });
          const logits = headForward(params, 'fc', spec, f, { bnMode: 'train' });
          return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
        }, vars);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
        return value.dataSync()[0];
      });
    const first = step();
    const tensors = tf.memory().numTensors;
    const runningBefore = Array.from(params.get('bn1.running_mean')!.dataSync());
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(last).toBeLessThan(first * 0.7);
    expect(Array.from(params.get('bn1.running_mean')!.dataSync())).not.toEqual(runningBefore);
  });
});
