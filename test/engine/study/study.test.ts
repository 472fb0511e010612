/**
 * The study's bookkeeping on real Fashion-MNIST: domains and padding, the seeded labeled draw,
 * the paired check, paired differences and the report. No training here (the CLI test runs a
 * miniature study end to end).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { drawLabeled, FASHION_MNIST_DIR, labeledImages, loadStudyDomains, rawBatch, STUDY_SIZE } from '../../../src/engine/study/data';
import { BUDGETS, validateBudget } from '../../../src/engine/study/budget';
import { checkPaired, meanStd, summarizeStudy } from '../../../src/engine/study/summary';
import { renderStudyMarkdown } from '../../../src/engine/study/markdown';
import { ARM_NAMES, type ArmSeedResult, type StudyResult } from '../../../src/engine/study/run-study';

const haveData = existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);

describe.skipIf(!haveData)('study data (Fashion-MNIST from dataset-fashion-mnist)', () => {
  it('splits clothes (0–4) from shoes and bags (5–9), pads 28 → 32 and draws labels per seed', async () => {
    await tf.setBackend('cpu');
    const d = await loadStudyDomains(FASHION_MNIST_DIR, { sourcePerClass: 30, poolPerClass: 40, testPerClass: 10 });
    expect([d.source.count, d.targetPool.count, d.targetTest.count]).toEqual([150, 200, 50]);
    for (const set of [d.source, d.targetPool, d.targetTest]) {
      expect(Math.min(...set.labels)).toBe(0);
      expect(Math.max(...set.labels)).toBe(4);
      // the 2-px border is background
      const first = set.pixels.subarray(0, STUDY_SIZE * STUDY_SIZE);
      expect(first.subarray(0, 2 * STUDY_SIZE).every((v) => v === 0)).toBe(true);
      expect(first.some((v) => v > 100)).toBe(true);
    }
    expect(d.mean).toBeGreaterThan(0.1);
    expect(d.mean).toBeLessThan(0.5);
    const a = drawLabeled(d.targetPool, 5, 3, 0);
    expect(drawLabeled(d.targetPool, 5, 3, 0)).toEqual(a);
    expect(drawLabeled(d.targetPool, 5, 3, 1)).not.toEqual(a);
    expect(a.map((i) => d.targetPool.labels[i])).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(new Set(a).size).toBe(15);
    expect(() => drawLabeled(d.targetPool, 5, 41, 0)).toThrow(/fewer than the 41 labels/);
    const x = rawBatch(d.targetPool, [0, 1]);
    expect(x.shape).toEqual([2, 32, 32, 3]);
    const v = x.arraySync() as number[][][][];
    expect(v[0][16][16][0]).toBe(v[0][16][16][2]);
    x.dispose();
    const imgs = labeledImages(d.targetPool, a, 5, d.mean, d.std);
    const before = tf.memory().numTensors;
    const aug = imgs.batch([0, 1, 2], { augment: true, seed: 3 });
    expect(aug.shape).toEqual([3, 32, 32, 3]);
    aug.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a missing data folder and what to install', async () => {
    await expect(loadStudyDomains('/nonexistent/fmnist')).rejects.toThrow(/train-images-idx3-ubyte.gz is missing: install Debian's dataset-fashion-mnist/);
  });
});

function fake(arm: (typeof ARM_NAMES)[number], seed: number, lp: number, ft: number, drawId = `d${seed}`): ArmSeedResult {
  const s = (acc: number) => ({ accuracy: acc, macroF1: acc - 0.01, logLoss: 1, auc: 0.9, confusion: [[1]] });
  return {
    arm, seed, drawId, testId: 't', labeledCount: 50, testSize: 5000, linearProbe: s(lp), finetune: s(ft),
    pretrainSteps: arm === 'specialist' ? 400 : 100, baseSteps: arm === 'scratch' || arm === 'specialist' ? 0 : 200, seconds: 10 + seed,
    phases: { pretrain: 5, probe: 2, finetune: 3 },
  };
}

describe('study summary', () => {
  it('computes mean ± std over seeds and paired differences within each seed', () => {
    const results: ArmSeedResult[] = [];
    for (const seed of [0, 1, 2]) {
      ARM_NAMES.forEach((arm, i) => results.push(fake(arm, seed, 0.6 + 0.01 * i + 0.02 * seed, 0.5 + 0.01 * i)));
    }
    const study: StudyResult = { budget: BUDGETS.quick, seeds: [0, 1, 2], results, counts: { source: 1, targetPool: 2, targetTest: 3, labeledPerClass: 10 }, base: [], seconds: 1 };
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
    expect(meanStd([1])).toEqual({ mean: 1, std: 0 });
  });
});
