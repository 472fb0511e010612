/**
 * Training on webgpu (the real Dawn adapter; SwiftShader in CI): the benchmark's step
 * (backbone → linear head → softmax cross-entropy → variableGrads → SGD with momentum) for
 * 10 steps at 16 px, batch 2, tiny widths. The loss stays finite and `tf.memory()` numTensors
 * and numBytesInGPU are the same after step 3 as after step 10.
 *
 * By default one architecture per building block runs, with one block per stage: small-resnet,
 * resnet18 (basic blocks), resnet50 (bottlenecks), bit-r50x1 (pre-activation, GroupNorm,
 * weight standardisation), efficientnet-b0 (MBConv: depthwise, squeeze-excite, swish). The
 * others differ only in depth and width; on SwiftShader (about 0.5 s per dispatch-heavy step)
 * their full depth would take many minutes. `ATTUNE_WEBGPU_ALL_ARCHS=1` runs every registry
 * architecture at its own depth, 5 steps each (flat from step 3 to step 5).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/index';
import { createTrainStep } from '../../../src/engine/backend/train-bench';
import { createBackbone, disposeParams, listArchitectures } from '../../../src/engine/models/registry';
import { requireWebgpu } from './webgpu-env';
import { tinyConfig } from '../models/tiny-configs';

const ALL = process.env.ATTUNE_WEBGPU_ALL_ARCHS === '1';
const DEFAULT_SET = new Set(['small-resnet', 'resnet18', 'resnet50', 'bit-r50x1', 'efficientnet-b0']);

const haveAdapter = await requireWebgpu('webgpu training');

describe.skipIf(!haveAdapter)('a training step per architecture on webgpu', () => {
  it('starts webgpu on the adapter', { timeout: 120_000 }, async () => {
    expect((await initBackend({ force: 'webgpu' })).backend).toBe('webgpu');
  });

  for (const arch of listArchitectures()) {
    const steps = ALL ? 5 : 10;
    const run = ALL || DEFAULT_SET.has(arch);
    it.skipIf(!run)(`${arch}: ${steps} steps, tensors and GPU bytes flat from step 3${run ? '' : ' (same blocks as a tested one; ATTUNE_WEBGPU_ALL_ARCHS=1 runs it)'}`, { timeout: 600_000 }, async () => {
      expect(tf.getBackend()).toBe('webgpu');
      const before = tf.memory().numTensors;
      const backbone = createBackbone(arch, tinyConfig(arch, !ALL), 0);
      const step = createTrainStep(backbone, 4, 0.01);
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 3], 'int32'), 4), 'float32')) as tf.Tensor2D;
      const memory: { numTensors: number; numBytesInGPU: number }[] = [];
      const losses: number[] = [];
      try {
        for (let i = 0; i < steps; i++) {
          losses.push(await step.run(x, y));
          const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
          memory.push({ numTensors: m.numTensors, numBytesInGPU: m.numBytesInGPU ?? -1 });
        }
      } finally {
        step.dispose();
        disposeParams(backbone.params);
        tf.dispose([x, y]);
      }
      expect(losses.every(Number.isFinite), `losses ${losses}`).toBe(true);
      expect(memory[steps - 1], `memory by step ${JSON.stringify(memory)}`).toEqual(memory[2]);
      expect(memory[2].numBytesInGPU).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
