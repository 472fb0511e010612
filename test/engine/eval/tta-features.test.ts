import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from './setup';
import { loadFashion } from './fashion';
import { inMemoryImages } from '../../../src/engine/eval/images';
import { extractFeatures } from '../../../src/engine/eval/features';
import { evaluateWithTta } from '../../../src/engine/eval/tta';
import { parameterChange } from '../../../src/engine/eval/distortion';
import { createBackbone, cloneParams, disposeParams } from '../../../src/engine/models/registry';
import { createHead, headForward, linearHeadSpec } from '../../../src/engine/models/heads';
import type { Backbone } from '../../../src/engine/models/types';

let backbone: Backbone;

beforeAll(async () => {
  await startBackend();
  backbone = createBackbone('small-resnet', { widths: [8, 16], blocks: 1, inChannels: 1 }, 5);
});

/** Fashion-MNIST images made mirror-symmetric: (x + flip(x)) / 2 computed on the pixels. */
function symmetric(n: number) {
  const d = loadFashion('t10k', 0, n);
  const out = new Float32Array(d.pixels.length);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const a = d.pixels[i * 784 + r * 28 + c];
        const b = d.pixels[i * 784 + r * 28 + (27 - c)];
        out[i * 784 + r * 28 + c] = (a + b) / 2;
      }
    }
  }
  return { sym: inMemoryImages(out, d.shape, d.labels, 10), raw: inMemoryImages(d.pixels, d.shape, d.labels, 10) };
}

describe('test-time augmentation', () => {
  it('changes nothing on mirror-symmetric images and something on ordinary ones', async () => {
    const { params } = createHead(linearHeadSpec(16, 10), 'fc', 1);
    const logits = (x: tf.Tensor4D) => headForward(params, 'fc', linearHeadSpec(16, 10), backbone.forwardFeatures(backbone.params, x, { bnMode: 'eval' }), { bnMode: 'eval' });
    const { sym, raw } = symmetric(24);
    const before = tf.memory().numTensors;
    const s = await evaluateWithTta(logits, sym, { tta: true, batchSize: 8, bootstrapResamples: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const maxGap = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(s.flip).toBeDefined();
    expect(maxGap(s.plain.images.map((im) => im.probability), s.flip!.images.map((im) => im.probability))).toBeLessThan(1e-6);
    expect(Math.abs(s.plain.logLoss - s.flip!.logLoss)).toBeLessThan(1e-6);
    const r = await evaluateWithTta(logits, raw, { tta: true, batchSize: 8, bootstrapResamples: 0 });
    expect(maxGap(r.plain.images.map((im) => im.labelProbability), r.flip!.images.map((im) => im.labelProbability))).toBeGreaterThan(1e-4);
    expect((await evaluateWithTta(logits, raw, { tta: false, bootstrapResamples: 0 })).flip).toBeUndefined();
    disposeParams(params);
  });
});

describe('feature extraction', () => {
  it('runs BN in eval mode (running statistics untouched), batch size does not matter, no leaks', async () => {
    const { raw } = symmetric(20);
    const running = [...backbone.params].filter(([k]) => k.endsWith('running_mean')).map(([, v]) => Array.from(v.dataSync()));
    const before = tf.memory().numTensors;
    const a = await extractFeatures(backbone, raw, { batchSize: 7 });
    const b = await extractFeatures(backbone, raw, { batchSize: 20 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.n).toBe(20);
    expect(a.dim).toBe(16);
    const gap = Math.max(...Array.from(a.data, (v, i) => Math.abs(v - b.data[i])));
    expect(gap).toBeLessThan(1e-5);
    const after = [...backbone.params].filter(([k]) => k.endsWith('running_mean')).map(([, v]) => Array.from(v.dataSync()));
    expect(after).toEqual(running);
  });

  it('relative parameter change per layer', async () => {
    const copy = cloneParams(backbone.params);
    const w = copy.get('conv1.weight')!;
    tf.tidy(() => w.assign(tf.mul(w, 1.5)));
    const changes = await parameterChange(backbone.params, copy, backbone.specs);
    const stem = changes.find((c) => c.name === 'conv1.weight')!;
    expect(stem.relative).toBeCloseTo(0.5, 5);
    expect(changes.filter((c) => c.name !== 'conv1.weight').every((c) => c.relative === 0)).toBe(true);
    expect(changes.every((c) => !c.name.includes('running'))).toBe(true);
    disposeParams(copy);
  });
});
