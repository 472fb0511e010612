import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from '../eval/setup';
import { loadFashion, selectClasses } from '../eval/fashion';
import { inMemoryImages, randomFlip, type LabeledImages } from '../../../src/engine/eval/images';
import { createBackbone, disposeParams } from '../../../src/engine/models/registry';
import type { Backbone } from '../../../src/engine/models/types';
import { finetune } from '../../../src/engine/finetune/finetune';
import { finetuneSeeds } from '../../../src/engine/finetune/seeds';
import type { FinetuneConfig, FinetuneMode } from '../../../src/engine/finetune/types';

const CLASSES = [0, 1, 7]; // T-shirt, trouser, sneaker
let train: LabeledImages;
let val: LabeledImages;

beforeAll(async () => {
  await startBackend();
  const tr = selectClasses(loadFashion('train', 0, 300), CLASSES);
  const va = selectClasses(loadFashion('train', 300, 150), CLASSES);
  train = inMemoryImages(tr.pixels, tr.shape, tr.labels, 3, randomFlip);
  val = inMemoryImages(va.pixels, va.shape, va.labels, 3);
});

function tinyBackbone(seed = 1): Backbone {
  return createBackbone('small-resnet', { widths: [8, 16], blocks: 1, inChannels: 1 }, seed);
}

function values(b: Backbone, filter: (name: string) => boolean): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of b.params) if (filter(k)) out.set(k, Float32Array.from(v.dataSync()));
  return out;
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, x] of a) {
    const y = b.get(k)!;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

const isRunning = (n: string): boolean => n.endsWith('running_mean') || n.endsWith('running_var');
const isConv = (n: string): boolean => n.endsWith('conv1.weight') || n.endsWith('conv2.weight');

function base(mode: FinetuneMode, backbone: Backbone): FinetuneConfig {
  return {
    mode, backbone, data: { train, val }, epochs: 2, headEpochs: 1, batchSize: 16, maxStepsPerEpoch: 2,
    bootstrapResamples: 20, probe: { lrs: [0.1], weightDecays: [1e-4], epochs: 5 },
  };
}

describe('finetune modes', () => {
  for (const mode of ['lp', 'ft', 'lp-ft', 'daft', 'freeze-unfreeze'] as FinetuneMode[]) {
    it(`${mode} runs from a config, reports per-epoch metrics and leaks no tensors`, async () => {
      const backbone = tinyBackbone();
      const before = tf.memory().numTensors;
      const epochs: string[] = [];
      const r = await finetune(base(mode, backbone), { onEpoch: (m) => epochs.push(`${m.stage}:${m.epoch}`) });
      const expected: Record<FinetuneMode, string[]> = {
        lp: ['probe:0'],
        ft: ['finetune:0', 'finetune:1'],
        'lp-ft': ['probe:0', 'finetune:0', 'finetune:1'],
        daft: ['finetune:0', 'finetune:1'],
        'freeze-unfreeze': ['head:0', 'finetune:0', 'finetune:1'],
      };
      expect(epochs).toEqual(expected[mode]);
      expect(r.history).toHaveLength(epochs.length);
      for (const m of r.history) {
        for (const k of ['trainLoss', 'valLoss', 'valAccuracy', 'valF1', 'valAuc'] as const) expect(Number.isFinite(m[k]), `${mode} ${k}`).toBe(true);
      }
      expect(r.stopReason).toBe('completed');
      expect(r.evaluatedOn).toBe('val');
      expect(r.evaluation.plain.n).toBe(val.size);
      expect(r.evaluation.flip?.n).toBe(val.size);
      expect(r.evaluation.plain.images).toHaveLength(val.size);
      // the probe alone must beat chance clearly on three easy Fashion-MNIST classes
      if (mode === 'lp') expect(r.evaluation.plain.accuracy).toBeGreaterThan(0.6);
      // everything but the head's own variables has been freed
      expect(tf.memory().numTensors).toBe(before + r.head.params.size);
      disposeParams(r.head.params);
      disposeParams(backbone.params);
    });
  }
});

describe('finetune mode semantics', () => {
  it('DAFT converts BN, starts from a zero head, and its first step changes only the head', async () => {
    const backbone = tinyBackbone(2);
    const convBefore = values(backbone, isConv);
    const runningBefore = values(backbone, isRunning);
    const r = await finetune({ ...base('daft', backbone), epochs: 1, maxStepsPerEpoch: 1, headLr: 0.5, lr: 0.1 });
    expect(r.bnConversion?.length).toBe(backbone.bnLayers.length);
    // conversion replaced the running statistics
    expect(maxDiff(runningBefore, values(backbone, isRunning))).toBeGreaterThan(1e-3);
    // one SGD step with a zero head: no gradient reaches the backbone's weights
    expect(maxDiff(convBefore, values(backbone, isConv))).toBe(0);
    const w = r.head.params.get('fc.weight')!;
    expect(Math.max(...Array.from(w.dataSync(), Math.abs))).toBeGreaterThan(0);
    disposeParams(r.head.params);
    disposeParams(backbone.params);
  });

  it('DAFT trains backbone and head at separate learning rates', async () => {
    const backbone = tinyBackbone(7);
    const conv = values(backbone, isConv);
    const r = await finetune({ ...base('daft', backbone), lr: 0, headLr: 0.5, bootstrapResamples: 0 });
    expect(r.history).toHaveLength(2);
    // backbone lr 0: its weights never move even after the head became non-zero
    expect(maxDiff(conv, values(backbone, isConv))).toBe(0);
    expect(r.history[1].valLoss).not.toBe(r.history[0].valLoss);
    disposeParams(r.head.params);
    disposeParams(backbone.params);
  });

  it('LP-FT keeps BN statistics frozen while the weights move', async () => {
    const backbone = tinyBackbone(3);
    const running = values(backbone, isRunning);
    const conv = values(backbone, isConv);
    const r = await finetune({ ...base('lp-ft', backbone), lr: 0.002, restoreBest: false, diagnostics: true });
    expect(r.stopReason).toBe('completed');
    // feature distortion: per image, and per layer relative change
    const d = r.distortion!;
    expect(d.features.cosine).toHaveLength(val.size);
    expect(d.features.meanL2).toBeGreaterThan(0);
    expect(d.features.meanCosine).toBeLessThan(1);
    expect(d.features.meanCosine).toBeGreaterThan(0.5);
    expect(d.layers.find((l) => l.name === 'conv1.weight')!.relative).toBeGreaterThan(0);
    expect(maxDiff(running, values(backbone, isRunning))).toBe(0);
    expect(maxDiff(conv, values(backbone, isConv))).toBeGreaterThan(0);
    expect(r.probe?.chosen.lr).toBe(0.1);
    disposeParams(r.head.params);
    disposeParams(backbone.params);
  });

  it('FT trains BN statistics, and cancellation stops after the current step', async () => {
    const backbone = tinyBackbone(4);
    const running = values(backbone, isRunning);
    const ctrl = new AbortController();
    let steps = 0;
    const r = await finetune({ ...base('ft', backbone), bootstrapResamples: 0 }, { signal: ctrl.signal, onStep: () => { steps++; ctrl.abort(); } });
    expect(steps).toBe(1);
    expect(r.stopReason).toBe('cancelled');
    expect(r.history).toHaveLength(0);
    expect(maxDiff(running, values(backbone, isRunning))).toBeGreaterThan(0);
    disposeParams(r.head.params);
    disposeParams(backbone.params);
  });

  it('rejects bad configs with a message naming the key', async () => {
    const backbone = tinyBackbone();
    await expect(finetune({ ...base('ft', backbone), batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(finetune({ ...base('nope' as FinetuneMode, backbone) })).rejects.toThrow(/mode "nope"/);
    await expect(finetune({ ...base('ft', backbone), negativeClass: 5 })).rejects.toThrow(/negativeClass/);
    disposeParams(backbone.params);
  });
});

describe('finetune training loop', () => {
  it('keeps the tensor count flat across steps, stops early and restores the best epoch', async () => {
    const backbone = tinyBackbone(6);
    const counts: number[][] = [];
    const r = await finetune(
      { ...base('ft', backbone), epochs: 6, maxStepsPerEpoch: 3, lr: 0.02, balance: 'class-weights', earlyStopping: { metric: 'valAccuracy', patience: 1, minDelta: 0.5 }, bootstrapResamples: 0, tta: false },
      { onStep: (p) => { (counts[p.epoch] ??= []).push(tf.memory().numTensors); } },
    );
    // minDelta 0.5 can never be met after the first epoch: stop after epoch 1
    expect(r.stopReason).toBe('early-stopped');
    expect(r.history).toHaveLength(2);
    expect(r.bestEpoch).toBe(0);
    // the final evaluation (on val) sees the restored epoch-0 weights
    expect(r.evaluation.plain.accuracy).toBe(r.history[0].valAccuracy);
    expect(r.evaluation.plain.logLoss).toBeCloseTo(r.history[0].valLoss, 6);
    for (const perEpoch of counts) expect(new Set(perEpoch.slice(1)).size).toBe(1);
    expect(r.evaluation.flip).toBeUndefined();
    disposeParams(r.head.params);
    disposeParams(backbone.params);
  });
});

describe('repeated seeds', () => {
  it('runs one fine-tune per seed and aggregates with the sample std', async () => {
    const backbones: Backbone[] = [];
    const g = await finetuneSeeds([1, 2], (seed) => {
      const b = tinyBackbone(10 + seed);
      backbones.push(b);
      return { ...base('freeze-unfreeze', b), epochs: 1, bootstrapResamples: 0, balance: 'sampler' };
    });
    expect(g.runs.map((r) => r.seed)).toEqual([1, 2]);
    const acc = g.runs.map((r) => r.metrics.accuracy);
    expect(g.summary.accuracy.n).toBe(2);
    expect(g.summary.accuracy.mean).toBeCloseTo((acc[0] + acc[1]) / 2, 12);
    expect(g.summary.accuracy.std).toBeCloseTo(Math.abs(acc[0] - acc[1]) / Math.SQRT2, 12);
    expect(g.summary['tta.accuracy'].n).toBe(2);
    for (const r of g.runs) disposeParams(r.result.head.params);
    for (const b of backbones) disposeParams(b.params);
    await expect(finetuneSeeds([1, 1], () => base('lp', tinyBackbone()))).rejects.toThrow(/repeat/);
  });
});
