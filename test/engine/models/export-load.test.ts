/**
 * The exported TF.js model loads with the real @tensorflow/tfjs-layers (what `@tensorflow/tfjs`
 * uses in a browser) and reproduces Attune's eval-mode logits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../src/engine/backend/index';
import { createBackbone } from '../../../src/engine/models/registry';
import { createHead, headForward, linearHeadSpec } from '../../../src/engine/models/heads';
import { exportClassifier } from '../../../src/engine/models/export/classifier';

const dir = mkdtempSync(join(tmpdir(), 'attune-export-load-'));
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TF.js export loaded by tfjs-layers', () => {
  for (const [arch, config, size] of [['small-resnet', { widths: [8, 16] }, 24], ['resnet18', { width: 8 }, 32]] as const) {
    it(`${arch}: loadLayersModel + predict equals Attune's logits`, async () => {
      const backbone = createBackbone(arch, config, 3);
      // move the BN running statistics away from their initial values
      tf.tidy(() => void backbone.forwardFeatures(backbone.params, tf.randomNormal([8, size, size, 3], 0.5, 2, 'float32', 1) as tf.Tensor4D, { bnMode: 'train', bnMomentum: 0.9 }));
      const spec = linearHeadSpec(backbone.featureDim, 3);
      const head = { prefix: 'fc', spec, params: createHead(spec, 'fc', 4).params };
      const res = await exportClassifier(join(dir, arch), backbone, head, { classNames: ['x', 'y', 'z'] });

      const modelJson = JSON.parse(readFileSync(res.tfjsModel!, 'utf8'));
      const manifest = modelJson.weightsManifest[0];
      const shard = readFileSync(join(dir, arch, 'tfjs', manifest.paths[0]));
      const weightData = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength);
      const model = await tfl.loadLayersModel(tf.io.fromMemory(modelJson.modelTopology, manifest.weights, weightData));

      const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
      const expected = headForward(head.params, 'fc', spec, backbone.forwardFeatures(backbone.params, x, { bnMode: 'eval' }), { bnMode: 'eval' });
      const got = model.predict(x) as tf.Tensor;
      expect(got.shape).toEqual([2, 3]);
      const scale = Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]);
      expect(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0]).toBeLessThan(1e-4 * scale);
    });
  }
});
