/**
 * Export of a trained classifier: checkpoint + TF.js LayersModel. @tensorflow/tfjs-layers is
 * not installed here, so the topology is checked by an independent interpreter of the Keras
 * layer configs (written with tfjs-core ops) and the weights by importing them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createBackbone } from '../../../src/engine/models/registry';
import { createHead, headForward, linearHeadSpec } from '../../../src/engine/models/heads';
import { exportClassifier } from '../../../src/engine/models/export/classifier';
import { readWeightFile } from '../../../src/engine/models/import/read-file';
import { loadWeights } from '../../../src/engine/models/import/load';
import { readCheckpoint } from '../../../src/engine/models/checkpoint';
import type { KerasLayer } from '../../../src/engine/models/export/tfjs-layers';

const dir = mkdtempSync(join(tmpdir(), 'attune-export-'));
beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Evaluates a Keras functional topology (the layer kinds the exporter writes). */
function runKeras(modelJson: { modelTopology: { config: { layers: KerasLayer[]; output_layers: [string, number, number][] } } }, weights: Map<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor {
  const out = new Map<string, tf.Tensor>();
  const w = (layer: string, leaf: string) => weights.get(`${layer}/${leaf}`)!;
  for (const l of modelJson.modelTopology.config.layers) {
    const ins = (l.inbound_nodes[0] ?? []).map(([n]) => out.get(n)!);
    const c = l.config as Record<string, any>;
    let y: tf.Tensor;
    switch (l.class_name) {
      case 'InputLayer': y = x; break;
      case 'ZeroPadding2D': y = tf.pad(ins[0], [[0, 0], c.padding[0], c.padding[1], [0, 0]]); break;
      case 'Conv2D': y = tf.conv2d(ins[0] as tf.Tensor4D, w(l.name, 'kernel') as tf.Tensor4D, c.strides, c.padding); break;
      case 'BatchNormalization': y = tf.batchNorm(ins[0], w(l.name, 'moving_mean'), w(l.name, 'moving_variance'), w(l.name, 'beta'), w(l.name, 'gamma'), c.epsilon); break;
      case 'Activation': y = tf.relu(ins[0]); break;
      case 'Add': y = tf.add(ins[0], ins[1]); break;
      case 'MaxPooling2D': y = tf.maxPool(ins[0] as tf.Tensor4D, c.pool_size, c.strides, c.padding); break;
      case 'GlobalAveragePooling2D': y = tf.mean(ins[0], [1, 2]); break;
      case 'Dense': y = tf.add(tf.matMul(ins[0] as tf.Tensor2D, w(l.name, 'kernel') as tf.Tensor2D), w(l.name, 'bias')); break;
      default: throw new Error(`unexpected layer class ${l.class_name}`);
    }
    out.set(l.name, y);
  }
  return out.get(modelJson.modelTopology.config.output_layers[0][0])!;
}

describe('exportClassifier', () => {
  for (const [arch, config, size] of [['small-resnet', { widths: [8, 16] }, 20], ['resnet18', { width: 8 }, 35], ['resnet50', { width: 4, layers: [1, 2, 1, 1] }, 33]] as const) {
    it(`${arch}: checkpoint and TF.js LayersModel reproduce the model's logits`, async () => {
      const backbone = createBackbone(arch, config, 2);
      tf.tidy(() => void backbone.forwardFeatures(backbone.params, tf.randomNormal([4, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { bnMode: 'train' }));
      const spec = linearHeadSpec(backbone.featureDim, 4);
      const head = { prefix: 'fc', spec, params: createHead(spec, 'fc', 1).params };
      const out = join(dir, arch);
      const res = await exportClassifier(out, backbone, head, { classNames: ['a', 'b', 'c', 'd'], provenance: { runId: 'r7' } });
      expect(res.tfjsModel).toBe(join(out, 'tfjs', 'model.json'));
      await expect(exportClassifier(out, backbone, head)).rejects.toThrow(/already exists/);

      const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
      const expected = headForward(head.params, 'fc', spec, backbone.forwardFeatures(backbone.params, x, { bnMode: 'eval' }), { bnMode: 'eval' });

      const modelJson = JSON.parse(readFileSync(res.tfjsModel!, 'utf8'));
      expect(modelJson.format).toBe('layers-model');
      expect(modelJson.userDefinedMetadata.classNames).toEqual(['a', 'b', 'c', 'd']);
      const file = readWeightFile(res.tfjsModel!);
      const byName = new Map<string, tf.Tensor>();
      const shard = readFileSync(join(out, 'tfjs', modelJson.weightsManifest[0].paths[0]));
      let offset = 0;
      for (const wt of modelJson.weightsManifest[0].weights) {
        const n = wt.shape.reduce((a: number, b: number) => a * b, 1);
        byName.set(wt.name, tf.tensor(new Float32Array(shard.buffer.slice(shard.byteOffset + offset * 4, shard.byteOffset + (offset + n) * 4)), wt.shape));
        offset += n;
      }
      const viaTopology = runKeras(modelJson, byName, x);
      expect(tf.max(tf.abs(tf.sub(viaTopology, expected))).dataSync()[0]).toBeLessThan(1e-4 * Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]));

      // the TF.js weights import back into Attune by name
      const again = createBackbone(arch, config, 99);
      const { report, head: h2 } = loadWeights(again, file, { withHead: true, strict: true });
      expect(report.unexpected).toEqual([]);
      const back = headForward(h2!.params, 'fc', h2!.spec, again.forwardFeatures(again.params, x, { bnMode: 'eval' }), { bnMode: 'eval' });
      expect(tf.max(tf.abs(tf.sub(back, expected))).dataSync()[0]).toBeLessThan(1e-5);

      const ck = readCheckpoint(res.checkpoint);
      expect(ck.meta.classNames).toEqual(['a', 'b', 'c', 'd']);
    });
  }

  it('writes only the checkpoint for architectures the TF.js export does not cover', async () => {
    const backbone = createBackbone('efficientnet-b0', { widthMult: 0.25, depthMult: 0.3 }, 1);
    const spec = linearHeadSpec(backbone.featureDim, 2);
    const res = await exportClassifier(join(dir, 'eff'), backbone, { prefix: 'classifier.1', spec, params: createHead(spec, 'classifier.1', 1).params });
    expect(res.tfjsModel).toBeUndefined();
    expect(res.tfjsSkipped).toMatch(/does not cover efficientnet-b0/);
    expect(readCheckpoint(res.checkpoint).meta.arch).toBe('efficientnet-b0');
  });
});
