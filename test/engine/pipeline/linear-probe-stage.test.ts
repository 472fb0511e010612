/**
 * The evaluate stage's fixed linear probe (`linearProbe`): taken on the backbone just before
 * the last fine-tune changes it, reported in the run summary beside the classifier, kept in
 * probe.json, and absent when the recipe asks for none. The "before" is checked by an
 * invariant: a base run and a scratch run started from that base's saved backbone fine-tune
 * differently but probe the same weights, so their probes agree exactly. Real PNGs, sharp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../eval/setup';
import { expandRecipe, parseRecipe } from '../../../src/main/services/runs/expand';
import { executeRun } from '../../../src/engine/pipeline/execute';
import { writeFashionFolder } from '../../e2e/fashion-folder';
import type { RunConfig } from '../../../src/shared/schemas/run';

let dir: string;

beforeAll(async () => {
  await startBackend();
  dir = mkdtempSync(join(tmpdir(), 'attune-probe-'));
  await writeFashionFolder(join(dir, 'labeled'), [5, 7, 9], 8);
  await writeFashionFolder(join(dir, 'source'), [0, 1], 6);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = { arch: 'small-resnet', weights: null, config: { widths: [4, 8], blocks: [1, 1] } };
const DATA = { labeled: 'labeled', size: 16, split: { val: 0, test: 0.25 } };
const PROBE = { linearProbe: { epochs: 30 }, tta: false, bootstrapResamples: 0 };

function config(recipe: Record<string, unknown>): RunConfig {
  return expandRecipe(parseRecipe({ name: 'p', batchSize: 4, checkpointEvery: 1000, logEvery: 2, ...recipe }), dir).configs[0];
}

async function run(c: RunConfig, runDir: string) {
  const logs: string[] = [];
  const job = { emit: (name: string, payload: any) => void (name === 'log' && logs.push(payload.message)), signal: new AbortController().signal };
  const result = await executeRun({ runId: runDir, runDir, cacheRoot: join(dir, 'cache'), config: c, resumeFrom: null }, job);
  return { result, logs };
}

describe('the fixed linear probe of an evaluate stage', { timeout: 240_000 }, () => {
  it('probes the backbone before the last fine-tune, and reports it beside the classifier', async () => {
    const baseDir = join(dir, 'run-base');
    const base = await run(config({ recipe: 'base', backbone: SMALL, data: { ...DATA, source: 'source' }, stages: { base: { steps: 6 }, finetune: { steps: 8 }, evaluate: PROBE } }), baseDir);
    const probe = base.result.summary?.linearProbe;
    expect(probe).toBeTruthy();
    expect(probe!.accuracy).toBeGreaterThanOrEqual(0);
    expect(probe!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(base.result.summary!.testSize);
    expect(JSON.parse(readFileSync(join(baseDir, 'probe.json'), 'utf8'))).toEqual(probe);
    expect(base.logs.join('\n')).toMatch(/linear probe of the backbone before fine-tuning \(30 passes, lr 0\.1, weight decay 0\.001\): test accuracy/);

    // the same pre-fine-tune weights, a different fine-tune: the same probe, a different classifier
    const fromBase = await run(config({ recipe: 'scratch', backbone: { ...SMALL, weights: join(baseDir, 'base.safetensors') }, data: DATA, stages: { finetune: { steps: 2 }, evaluate: PROBE } }), join(dir, 'run-from-base'));
    const again = fromBase.result.summary!.linearProbe!;
    expect(again.loss).toBeCloseTo(probe!.loss, 6);
    expect(again.confusion).toEqual(probe!.confusion);
    expect(fromBase.result.summary!.plain.loss).not.toBeCloseTo(base.result.summary!.plain.loss, 6);
  });

  it('is absent unless the recipe asks for it', async () => {
    const runDir = join(dir, 'run-none');
    const r = await run(config({ recipe: 'scratch', backbone: SMALL, data: DATA, stages: { finetune: { steps: 2 }, evaluate: { tta: false, bootstrapResamples: 0 } } }), runDir);
    expect(r.result.summary?.linearProbe).toBeUndefined();
    expect(existsSync(join(runDir, 'probe.json'))).toBe(false);
  });

  it('refuses impossible probe settings in the user\'s words', () => {
    expect(() => config({ recipe: 'scratch', backbone: SMALL, data: DATA, stages: { evaluate: { linearProbe: { epochs: 0 } } } })).toThrow(/linear-probe epochs/);
  });
});
