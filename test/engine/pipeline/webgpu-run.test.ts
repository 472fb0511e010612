/**
 * A whole run on webgpu (the real Dawn adapter; SwiftShader here and in CI): executeRun of the
 * `scratch` preset (prepare → fine-tune 3 steps → evaluate with flip TTA and the pixels-logreg
 * floor, checkpoints and model.safetensors written) on real Fashion-MNIST PNGs at 16 px, batch
 * 4, the tiny small-resnet. Every read-back of the run path is asynchronous, so nothing may
 * throw the webgpu backend's synchronous-read error.
 *
 * The same config runs first on wasm in this process (tfjs switches backends; each run creates
 * and frees its own tensors), and the webgpu run must agree with it: every logged train_loss
 * and the test and floor log losses within 1e-4 (absolute) + 1e-4 (relative), the test
 * accuracy within one test image. webgpu sums in a different order than wasm (parity test:
 * up to 1e-4 relative per op). Measured on SwiftShader: train_loss and test_loss differ by
 * about 1e-7 relative, the floor's log loss (≈ 14, an over-confident logistic regression
 * after 300 epochs) by 2e-5 relative; the tolerance leaves a margin of 5× over the largest of
 * these and still catches a wrong kernel or a mixed-up read-back. About 40–65 s on webgpu
 * (SwiftShader) and 7 s on wasm, on 2 shared CPU cores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../eval/setup';
import { backendLine, initBackend } from '../../../src/engine/backend/index';
import { expandRecipe, parseRecipe } from '../../../src/main/services/runs/expand';
import { executeRun } from '../../../src/engine/pipeline/execute';
import type { ExecuteResult } from '../../../src/shared/engine-jobs';
import type { RunConfig } from '../../../src/shared/schemas/run';
import { writeFashionFolder } from '../../e2e/fashion-folder';
import { requireWebgpu } from '../backend/webgpu-env';

const haveAdapter = await requireWebgpu('a run on webgpu');

let dir: string;

beforeAll(async () => {
  if (!haveAdapter) return;
  dir = mkdtempSync(join(tmpdir(), 'attune-webgpu-run-'));
  await writeFashionFolder(join(dir, 'labeled'), [5, 7], 8);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const TINY = { arch: 'small-resnet', weights: null, config: { widths: [4, 8], blocks: [1, 1] } };

function scratchConfig(): RunConfig {
  const recipe = parseRecipe({
    name: 'g', recipe: 'scratch', backbone: TINY, batchSize: 4,
    data: { labeled: 'labeled', size: 16, split: { val: 0.2, test: 0.25 } },
    stages: { finetune: { steps: 3 }, evaluate: { bootstrapResamples: 0 } }, checkpointEvery: 2, logEvery: 1,
  });
  return expandRecipe(recipe, dir).configs[0];
}

interface RunOutcome {
  result: ExecuteResult;
  trainLoss: number[];
  metrics: Map<string, number>;
  seconds: number;
}

/** Runs the config in its own run folder and collects the metric points. */
async function run(name: string): Promise<RunOutcome> {
  const points: { name: string; value: number }[] = [];
  const job = {
    emit: (event: string, payload: unknown) => {
      if (event === 'metrics') points.push(...(payload as { points: { name: string; value: number }[] }).points);
    },
    signal: new AbortController().signal,
  };
  const t0 = performance.now();
  const result = await executeRun({ runId: name, runDir: join(dir, name), cacheRoot: join(dir, 'cache'), config: scratchConfig(), resumeFrom: null }, job);
  return {
    result,
    trainLoss: points.filter((p) => p.name === 'train_loss').map((p) => p.value),
    metrics: new Map(points.filter((p) => p.name.startsWith('test_') || p.name.startsWith('floor_')).map((p) => [p.name, p.value])),
    seconds: (performance.now() - t0) / 1000,
  };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 + 1e-4 * Math.abs(b);

describe.skipIf(!haveAdapter)('executeRun on webgpu', () => {
  it('completes the scratch preset and agrees with the same run on wasm', { timeout: 300_000 }, async () => {
    expect(await startBackend()).toBe('wasm');
    const wasm = await run('wasm');
    expect(wasm.result.status).toBe('completed');

    const report = await initBackend({ force: 'webgpu' });
    expect(report.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(backendLine(report)).toMatch(/^backend: webgpu, adapter .*\(forced\)$/);
    const before = tf.memory().numTensors;
    const gpu = await run('webgpu');
    expect(tf.memory().numTensors).toBe(before);
    console.log(JSON.stringify({ wasmSeconds: +wasm.seconds.toFixed(1), webgpuSeconds: +gpu.seconds.toFixed(1), wasm: { trainLoss: wasm.trainLoss, ...Object.fromEntries(wasm.metrics) }, webgpu: { trainLoss: gpu.trainLoss, ...Object.fromEntries(gpu.metrics) } }));

    expect(gpu.result.status).toBe('completed');
    // the mid-stage checkpoint (step 2), the stage-end one and the model were written from GPU memory
    expect(readdirSync(join(dir, 'webgpu')).filter((f) => f.startsWith('ckpt-')).sort()).toEqual(['ckpt-s1-0000002.safetensors', 'ckpt-s1-0000003-end.safetensors']);
    expect(existsSync(join(dir, 'webgpu', 'model.safetensors'))).toBe(true);
    const summary = gpu.result.summary!;
    for (const v of [summary.plain.loss, summary.plain.accuracy, summary.plain.f1, summary.tta!.loss, summary.floor!.loss, summary.floor!.accuracy]) expect(Number.isFinite(v)).toBe(true);
    for (const name of ['test_loss', 'test_accuracy', 'test_f1', 'test_loss_tta', 'floor_loss', 'floor_accuracy']) expect(Number.isFinite(gpu.metrics.get(name)), name).toBe(true);

    expect(gpu.trainLoss).toHaveLength(3);
    expect(wasm.trainLoss).toHaveLength(3);
    gpu.trainLoss.forEach((v, i) => expect(close(v, wasm.trainLoss[i]), `train_loss step ${i + 1}: webgpu ${v}, wasm ${wasm.trainLoss[i]}`).toBe(true));
    for (const name of ['test_loss', 'test_loss_tta', 'floor_loss']) {
      expect(close(gpu.metrics.get(name)!, wasm.metrics.get(name)!), `${name}: webgpu ${gpu.metrics.get(name)}, wasm ${wasm.metrics.get(name)}`).toBe(true);
    }
    const oneImage = 1 / summary.testSize + 1e-9;
    expect(Math.abs(gpu.metrics.get('test_accuracy')! - wasm.metrics.get('test_accuracy')!)).toBeLessThanOrEqual(oneImage);
  });
});
