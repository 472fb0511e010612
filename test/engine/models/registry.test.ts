import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { cloneParams, createBackbone, disposeParams, listArchitectures, trainableNames } from '../../../src/engine/models/registry';
import { MODEL_CATALOG } from '../../../src/engine/models/catalog';
import { createHead, headBnLayers, headForward, linearHeadSpec, mlpHeadSpec } from '../../../src/engine/models/heads';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('registry', () => {
  it('lists the architectures of the issue', () => {
    const archs = listArchitectures();
    for (const a of ['small-resnet', 'resnet18', 'resnet50', 'bit-r50x1', 'bit-r101x1', 'efficientnet-b0', 'efficientnet-b4']) expect(archs).toContain(a);
    expect(() => createBackbone('vgg')).toThrow(/unknown architecture "vgg"/);
  });

  it('small-resnet: default featureDim 128, seeded init, torchvision names', () => {
    const a = createBackbone('small-resnet', {}, 3);
    const b = createBackbone('small-resnet', {}, 3);
    const c = createBackbone('small-resnet', {}, 4);
    expect(a.featureDim).toBe(128);
    expect(a.params.get('conv1.weight')!.shape).toEqual([3, 3, 3, 32]);
    expect(a.params.has('layer2.0.downsample.0.weight')).toBe(true);
    const w = (m: typeof a) => m.params.get('layer1.0.conv1.weight')!.dataSync();
    expect(Array.from(w(a))).toEqual(Array.from(w(b)));
    expect(Array.from(w(a))).not.toEqual(Array.from(w(c)));
    // Kaiming normal fan-out: std ≈ sqrt(2 / (9*32))
    const { variance } = tf.moments(a.params.get('layer1.0.conv1.weight')!);
    expect(Math.sqrt(variance.dataSync()[0])).toBeCloseTo(Math.sqrt(2 / (9 * 32)), 2);
    expect(a.bnLayers.map((r) => r.name).slice(0, 3)).toEqual(['bn1', 'layer1.0.bn1', 'layer1.0.bn2']);
    expect(a.bnLayers[0].conv).toBe('conv1.weight');
    expect(trainableNames(a)).not.toContain('bn1.running_mean');
    expect(trainableNames(a)).toContain('bn1.weight');
    [a, b, c].forEach((m) => disposeParams(m.params));
  });

  it('small-resnet forward: [N,128] features, flat tensor count, eval deterministic', () => {
    const m = createBackbone('small-resnet', { widths: [8, 16, 16] }, 1);
    const x = tf.randomNormal([4, 28, 28, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const run = () => tf.tidy(() => m.forwardFeatures(m.params, x, { bnMode: 'train' }).sum().dataSync()[0]);
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    const f = m.forwardFeatures(m.params, x, { bnMode: 'eval' });
    expect(f.shape).toEqual([4, 16]);
    expect(Array.from(f.dataSync())).toEqual(Array.from(m.forwardFeatures(m.params, x, { bnMode: 'eval' }).dataSync()));
  });

  it('skipInit builds zeros (ones for BN scale and variance) without random sampling', () => {
    const m = createBackbone('small-resnet', { widths: [4] }, 1, { skipInit: true });
    expect(m.params.get('conv1.weight')!.sum().dataSync()[0]).toBe(0);
    expect(Array.from(m.params.get('bn1.running_var')!.dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(m.params.get('bn1.weight')!.dataSync())).toEqual([1, 1, 1, 1]);
  });

  it('cloneParams copies values into independent variables', () => {
    const m = createBackbone('small-resnet', { widths: [4] }, 1);
    const copy = cloneParams(m.params);
    const name = 'conv1.weight';
    expect(Array.from(copy.get(name)!.dataSync())).toEqual(Array.from(m.params.get(name)!.dataSync()));
    copy.get(name)!.assign(tf.zerosLike(copy.get(name)!));
    expect(m.params.get(name)!.sum().dataSync()[0]).not.toBe(0);
    expect(copy.get('bn1.running_mean')!.trainable).toBe(false);
  });

  it('every architecture builds with the expected feature size (tiny configs)', () => {
    const cases: [string, Record<string, unknown>, number][] = [
      ['resnet18', { width: 8 }, 64],
      ['resnet50', { width: 4, layers: [1, 1, 1, 1] }, 128],
      ['bit-r50x1', { layers: [1, 1, 1, 1], widthFactor: 0.5 }, 1024],
      ['efficientnet-b0', { widthMult: 0.5, depthMult: 0.5 }, 640],
    ];
    for (const [arch, cfg, dim] of cases) {
      const m = createBackbone(arch, cfg, 0);
      expect(m.featureDim).toBe(dim);
      const f = tf.tidy(() => m.forwardFeatures(m.params, tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D, { bnMode: 'eval' }));
      expect(f.shape).toEqual([1, dim]);
      expect(Number.isFinite(f.sum().dataSync()[0])).toBe(true);
      f.dispose();
      disposeParams(m.params);
    }
  });
});

describe('catalog', () => {
  it('names only known architectures, https locations and unique ids', () => {
    const archs = listArchitectures();
    expect(new Set(MODEL_CATALOG.map((e) => e.id)).size).toBe(MODEL_CATALOG.length);
    for (const e of MODEL_CATALOG) {
      expect(archs).toContain(e.arch);
      expect(e.url).toMatch(/^https:\/\//);
      expect(e.needsConversion).toBe(e.fileFormat === 'pytorch-pickle');
    }
  });
});

describe('heads', () => {
  it('a linear head is named like torchvision fc and computes x·W + b', () => {
    const { params } = createHead(linearHeadSpec(3, 2), 'fc', 1);
    expect([...params.keys()]).toEqual(['fc.weight', 'fc.bias']);
    params.get('fc.weight')!.assign(tf.tensor2d([[1, 0], [0, 1], [1, 1]]));
    params.get('fc.bias')!.assign(tf.tensor1d([0.5, -0.5]));
    const y = headForward(params, 'fc', linearHeadSpec(3, 2), tf.tensor2d([[1, 2, 3]]), { bnMode: 'eval' });
    expect(Array.from(y.dataSync())).toEqual([4.5, 4.5]);
  });

  it('MLP heads with batch and layer norm run in all modes', () => {
    for (const norm of ['batch', 'layer'] as const) {
      const spec = mlpHeadSpec([6, 8, 4], norm);
      const { params } = createHead(spec, 'projector', 2);
      if (norm === 'batch') {
        expect(params.has('projector.0.norm.running_var')).toBe(true);
        expect(params.has('projector.0.bias')).toBe(false);
        expect(headBnLayers(spec, 'projector').map((r) => r.name)).toEqual(['projector.0.norm']);
      } else expect(params.has('projector.0.norm.weight')).toBe(true);
      const x = tf.randomNormal([5, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
      const y = headForward(params, 'projector', spec, x, { bnMode: 'train' });
      expect(y.shape).toEqual([5, 4]);
    }
    expect(() => createHead({ blocks: [{ in: 3, out: 4, norm: 'none', activation: 'relu' }, { in: 5, out: 1, norm: 'none', activation: 'none' }] }, 'h')).toThrow(/input 5 != previous output 4/);
  });
});
