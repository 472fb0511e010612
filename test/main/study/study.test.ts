/**
 * The study's bookkeeping: every arm is a recipe the run service accepts, budgets size the arms'
 * recipes (the full budget is the recipes as written), the paired check, paired differences and
 * the report. No training here (test/cli/study.test.ts runs a miniature study end to end).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { expandRecipe, parseRecipe } from '../../../src/main/services/runs/expand';
import { ARM_NAMES, ARM_STARTS, checkFashionFiles, FASHION_MNIST_DIR, loadArmRecipe } from '../../../src/main/services/study/arms';
import { BUDGETS, validateBudget } from '../../../src/main/services/study/budget';
import { checkPaired, summarizeStudy } from '../../../src/main/services/study/summary';
import { meanStd } from '../../../src/shared/stats';
import { renderStudyMarkdown } from '../../../src/main/services/study/markdown';
import { armRecipe, type ArmSeedResult, type StudyResult } from '../../../src/main/services/study/run-study';

const haveData = existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);

describe.skipIf(!haveData)('study arms as recipes (Fashion-MNIST from dataset-fashion-mnist)', () => {
  it('every arm expands through the run service; the full budget leaves the recipe as written', () => {
    for (const arm of ARM_NAMES) {
      const written = loadArmRecipe(arm);
      const sized = armRecipe(arm, { budget: BUDGETS.full, dataDir: FASHION_MNIST_DIR, seed: 3, weights: null });
      const ex = expandRecipe(parseRecipe(JSON.stringify(sized)), FASHION_MNIST_DIR);
      const asWritten = expandRecipe(parseRecipe(JSON.stringify({ ...written, seeds: [3], data: { ...(written.data as object), seed: 3 } })), FASHION_MNIST_DIR);
      expect(ex.configs).toHaveLength(1);
      const strip = (c: (typeof ex.configs)[number]) => ({ ...c, name: '' });
      expect(strip(ex.configs[0]), arm).toEqual(strip(asWritten.configs[0]));
      const cfg = ex.configs[0];
      expect(cfg.seed).toBe(3);
      expect(cfg.data.seed).toBe(3);
      expect(cfg.stages.at(-1)).toMatchObject({ kind: 'evaluate', linearProbe: { epochs: 200 } });
      // an arm that adapts another arm's backbone runs after it
      const from = ARM_STARTS[arm];
      if (from) expect(ARM_NAMES.indexOf(from.arm)).toBeLessThan(ARM_NAMES.indexOf(arm));
    }
  });

  it('the mini budget shrinks the sets and steps; the seed and weights reach the run', () => {
    const r = armRecipe('uft', { budget: BUDGETS.mini, dataDir: FASHION_MNIST_DIR, seed: 1, weights: '/x/base.safetensors' }) as {
      name: string; seeds: number[]; backbone: { weights: string }; data: Record<string, { idx: { limit?: number } }>; stages: { pretrain: { steps: number; queueSize: number } };
    };
    expect(r.name).toBe('study uft (mini budget)');
    expect(r.seeds).toEqual([1]);
    expect(r.backbone.weights).toBe('/x/base.safetensors');
    expect([r.data.labeled.idx.limit, r.data.source.idx.limit, r.data.test.idx.limit]).toEqual([100, 100, 30]);
    expect(r.stages.pretrain).toMatchObject({ steps: 1, queueSize: 16 });
    // scratch has no source set, and the budget does not invent one
    expect((armRecipe('scratch', { budget: BUDGETS.mini, dataDir: FASHION_MNIST_DIR, seed: 0, weights: null }).data as object)).not.toHaveProperty('source');
  });

  it('names a missing data folder and what to install', () => {
    expect(() => checkFashionFiles('/nonexistent/fmnist')).toThrow(/train-images-idx3-ubyte.gz is missing: install Debian's dataset-fashion-mnist/);
  });
});

function fake(arm: (typeof ARM_NAMES)[number], seed: number, lp: number, ft: number, drawId = `d${seed}`): ArmSeedResult {
  const s = (acc: number) => ({ accuracy: acc, macroF1: acc - 0.01, logLoss: 1, auc: 0.9, confusion: [[1]] });
  return {
    arm, seed, runId: `${arm}-${seed}`, drawId, testId: 't', labeledCount: 50, testSize: 5000, linearProbe: s(lp), finetune: s(ft),
    pretrainSteps: arm === 'specialist' ? 400 : 100, baseSteps: arm === 'scratch' || arm === 'specialist' ? 0 : 200, seconds: 10 + seed,
    phases: { prepare: 1, pretrain: 5, finetune: 3, evaluate: 1 },
  };
}

describe('study summary', () => {
  it('computes mean ± std over seeds and paired differences within each seed', () => {
    const results: ArmSeedResult[] = [];
    for (const seed of [0, 1, 2]) {
      ARM_NAMES.forEach((arm, i) => results.push(fake(arm, seed, 0.6 + 0.01 * i + 0.02 * seed, 0.5 + 0.01 * i)));
    }
    const study: StudyResult = { studyId: 's', budget: BUDGETS.quick, seeds: [0, 1, 2], results, counts: { source: 1, targetPool: 2, targetTest: 3, labeledPerClass: 10 }, base: [], seconds: 1 };
    const s = summarizeStudy(study);
    expect(s.arms.map((a) => a.name)).toEqual([...ARM_NAMES]);
    const hpt = s.arms.find((a) => a.name === 'hpt')!;
    expect(hpt.linearProbe.accuracy.mean).toBeCloseTo(0.63 + 0.02, 10);
    expect(hpt.linearProbe.accuracy.std).toBeCloseTo(0.02, 10);
    // paired: the seed effect (+0.02 per seed) cancels, leaving exactly the arm offset
    expect(hpt.paired.vsBase.linearProbe.perSeed.map((p) => p.diff).every((d) => Math.abs(d - 0.02) < 1e-12)).toBe(true);
    expect(hpt.paired.vsBase.linearProbe.std).toBeCloseTo(0, 10);
    expect(hpt.paired.vsScratch.finetune.mean).toBeCloseTo(0.03, 10);
    expect(hpt.seconds).toBeCloseTo(11, 10);
    expect(hpt.secondsTotal).toBeCloseTo(33, 10);
    expect(s.draws).toEqual([0, 1, 2].map((seed) => ({ seed, drawId: `d${seed}`, testId: 't', labeled: 50, testSize: 5000 })));
    const md = renderStudyMarkdown(s, { peer: { budget: 'quick', results: results.map((r) => ({ ...r, linearProbe: { ...r.linearProbe, accuracy: r.linearProbe.accuracy + 0.01 } })) } });
    expect(md).toContain('| hpt | 65.0 ± 2.0 |');
    expect(md).toContain('| hpt | 65.0 ± 2.0 | 66.0 ± 2.0 | -1.0 |');
  });

  it('refuses results whose arms did not share a seed\'s labeled draw', () => {
    expect(() => checkPaired([fake('scratch', 0, 0.5, 0.5), fake('hpt', 0, 0.5, 0.5, 'other')])).toThrow(/seed 0 is not paired: arm hpt used draw other/);
  });

  it('keeps budgets consistent (HPT at most a quarter of the specialist)', () => {
    for (const b of Object.values(BUDGETS)) expect(() => validateBudget(b)).not.toThrow();
    expect(() => validateBudget({ ...BUDGETS.quick, adaptSteps: BUDGETS.quick.specialistSteps / 4 + 1 })).toThrow(/at most a quarter/);
    expect(meanStd([1])).toEqual({ mean: 1, std: 0, n: 1 });
  });
});
