/**
 * Supervised pretraining on a labeled source (a fine-tune stage with `pool: source`, the `base`
 * preset): the expansion plans it on the source's images, the engine trains the backbone on
 * the source's class folders, drops that head, saves the backbone as `<stage>.safetensors`,
 * and another recipe starts from that file. Real PNGs from Fashion-MNIST, decoded by sharp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../eval/setup';
import { expandRecipe, parseRecipe, RecipeError } from '../../../src/main/services/runs/expand';
import { executeRun } from '../../../src/engine/pipeline/execute';
import { createRunBackbone } from '../../../src/engine/pipeline/model';
import { disposeParams } from '../../../src/engine/models/registry';
import { readCheckpoint } from '../../../src/engine/models/checkpoint';
import { writeFashionFolder } from '../../e2e/fashion-folder';
import type { RunConfig } from '../../../src/shared/schemas/run';

let dir: string;

beforeAll(async () => {
  await startBackend();
  dir = mkdtempSync(join(tmpdir(), 'attune-base-'));
  await writeFashionFolder(join(dir, 'labeled'), [5, 7], 8);
  await writeFashionFolder(join(dir, 'source'), [0, 1, 3], 6);
  await writeFashionFolder(join(dir, 'flat'), [2], 6);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = { arch: 'small-resnet', weights: null, config: { widths: [4, 8], blocks: [1, 1] } };

function baseConfig(extra: Record<string, unknown> = {}): RunConfig {
  const recipe = parseRecipe({
    name: 'b', recipe: 'base', backbone: SMALL, batchSize: 4, data: { labeled: 'labeled', source: 'source', size: 16, split: { val: 0.2, test: 0.25 } },
    stages: { base: { steps: 6 }, finetune: { steps: 4 } }, checkpointEvery: 1000, logEvery: 2, ...extra,
  });
  return expandRecipe(recipe, dir).configs[0];
}

/** Runs a config to the end, collecting its events. */
async function run(config: RunConfig, runDir: string) {
  const events: { name: string; payload: any }[] = [];
  const job = { emit: (name: string, payload: unknown) => events.push({ name, payload }), signal: new AbortController().signal };
  const result = await executeRun({ runId: 'r1', runDir, cacheRoot: join(dir, 'cache'), config, resumeFrom: null }, job);
  return { result, events, logs: events.filter((e) => e.name === 'log').map((e) => e.payload.message as string) };
}

describe('supervised pretraining on a labeled source (pool: source)', { timeout: 240_000 }, () => {
  it('is planned on the source images, with the source folder required', () => {
    const config = baseConfig();
    const base = config.stages.find((s) => s.name === 'base')!;
    expect(base).toMatchObject({ kind: 'finetune', pool: 'source', totalSteps: 6 });
    expect(config.stages.find((s) => s.name === 'finetune')).toMatchObject({ pool: 'labeled', totalSteps: 4 });
    const noSource = parseRecipe({ name: 'b', recipe: 'base', backbone: SMALL, data: { labeled: 'labeled', size: 16 } });
    expect(() => expandRecipe(noSource, dir)).toThrow(RecipeError);
    expect(() => expandRecipe(noSource, dir)).toThrow(/stage "base" trains on the labeled source images: give data\.source/);
  });

  it('trains on the source classes, saves the backbone without a head, and another recipe starts from it', async () => {
    const runDir = join(dir, 'run-base');
    const { result, events, logs } = await run(baseConfig(), runDir);
    expect(result.status).toBe('completed');
    expect(result.summary?.classNames).toEqual(['sandal', 'sneaker']);
    expect(logs.join('\n')).toMatch(/supervised pretraining: 6 steps of batch 4 on 18 source images of 3 classes/);
    // the base stage logged its own train loss, and its final checkpoint holds no head
    const baseIdx = 1;
    expect(events.some((e) => e.name === 'metrics' && e.payload.points.some((p: any) => p.stageIdx === baseIdx && p.name === 'train_loss'))).toBe(true);
    const file = join(runDir, 'base.safetensors');
    expect(existsSync(file)).toBe(true);
    expect(events.find((e) => e.name === 'artifact' && e.payload.kind === 'backbone')?.payload.path).toBe(file);
    const saved = readCheckpoint(file);
    try {
      expect(saved.head).toBeUndefined();
      expect(saved.meta.arch).toBe('small-resnet');
    } finally {
      disposeParams(saved.backbone.params);
      if (saved.head) disposeParams(saved.head.params);
    }
    expect(existsSync(join(runDir, 'model.safetensors'))).toBe(true);

    // a scratch recipe pointed at base.safetensors starts from exactly those weights
    const next = expandRecipe(parseRecipe({ name: 's', recipe: 'scratch', backbone: { ...SMALL, weights: file }, batchSize: 4, data: { labeled: 'labeled', size: 16 } }), dir).configs[0];
    const fromBase = createRunBackbone(next, () => {});
    const again = readCheckpoint(file);
    try {
      for (const [name, v] of again.backbone.params) expect(Array.from(fromBase.params.get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
    } finally {
      disposeParams(fromBase.params);
      disposeParams(again.backbone.params);
      if (again.head) disposeParams(again.head.params);
    }
  });

  it('refuses a source folder without class subfolders, naming it', async () => {
    const config = baseConfig({ data: { labeled: 'labeled', source: 'flat/pullover', size: 16 } });
    mkdirSync(join(dir, 'run-flat'), { recursive: true });
    await expect(run(config, join(dir, 'run-flat'))).rejects.toThrow(/data\.source \(.*flat\/pullover\): needs at least two classes \(one subfolder per class\), found/);
  });
});
