/**
 * Step budgets of the study, as overrides of its arm recipes (resources/recipes/study). `full` is
 * the protocol the recipes spell out; `quick` has a sixth of its supervised source steps and a
 * third of its self-supervised ones on a 1000-image test subset; `mini` is the CI miniature (a
 * few steps per arm, small subsets) that checks the bookkeeping, not accuracies. Fine-tuning
 * follows each preset's own plan unless a budget caps it (`finetuneSteps`).
 */

/** Everything that sizes a study. */
export interface StudyBudget {
  name: 'full' | 'quick' | 'mini';
  /** small-resnet widths (featureDim = last) */
  widths: number[];
  /** at most this many images of each set (IDX `limit`, after the class filter); absent = all */
  limits: { source?: number; pool?: number; test?: number };
  /** labeled target images per class, drawn with the seed */
  labelsPerClass: number;
  /** supervised source pretraining (the shared base): steps and batch */
  baseSteps: number;
  baseBatch: number;
  /** BYOL from scratch on the target pool (the specialist) */
  specialistSteps: number;
  /** HPT / HPT-BN / UFT / P2X steps: a quarter of the specialist's */
  adaptSteps: number;
  sslBatch: number;
  /** MoCo v2 queue length (a multiple of sslBatch) */
  mocoQueue: number;
  /** fine-tune optimiser steps; null: the preset's own plan (epochs, at least minSteps) */
  finetuneSteps: number | null;
  /** linear-probe passes over the labeled features */
  probeEpochs: number;
}

const WIDTHS = [16, 32, 64];

/** The named budgets. */
export const BUDGETS: Record<StudyBudget['name'], StudyBudget> = {
  full: {
    name: 'full', widths: WIDTHS, limits: {}, labelsPerClass: 10,
    baseSteps: 600, baseBatch: 64, specialistSteps: 1200, adaptSteps: 300, sslBatch: 32, mocoQueue: 2048,
    finetuneSteps: null, probeEpochs: 200,
  },
  quick: {
    name: 'quick', widths: WIDTHS, limits: { test: 1000 }, labelsPerClass: 10,
    baseSteps: 100, baseBatch: 64, specialistSteps: 400, adaptSteps: 100, sslBatch: 32, mocoQueue: 1024,
    finetuneSteps: null, probeEpochs: 200,
  },
  mini: {
    name: 'mini', widths: [4, 8], limits: { source: 100, pool: 100, test: 30 }, labelsPerClass: 2,
    baseSteps: 2, baseBatch: 8, specialistSteps: 4, adaptSteps: 1, sslBatch: 8, mocoQueue: 16,
    finetuneSteps: 2, probeEpochs: 5,
  },
};

/** Checks a budget's numbers, naming the field at fault. */
export function validateBudget(b: StudyBudget): void {
  const ints: Array<keyof StudyBudget> = ['labelsPerClass', 'baseSteps', 'baseBatch', 'specialistSteps', 'adaptSteps', 'sslBatch', 'mocoQueue', 'probeEpochs'];
  if (b.finetuneSteps !== null) ints.push('finetuneSteps');
  for (const k of ints) {
    const v = b[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`study budget "${b.name}": ${k} must be a positive integer, got ${v}`);
  }
  if (b.mocoQueue % b.sslBatch !== 0) throw new Error(`study budget "${b.name}": mocoQueue (${b.mocoQueue}) must be a multiple of sslBatch (${b.sslBatch})`);
  if (b.adaptSteps * 4 > b.specialistSteps) throw new Error(`study budget "${b.name}": adaptSteps must be at most a quarter of specialistSteps`);
}

/** Which stage of an arm's recipe a budget sizes. */
export interface ArmStages {
  base: boolean;
  /** the arm's self-supervised stage: 'specialist' (from scratch) or 'adapt' (from a base); null: none */
  pretrain: 'specialist' | 'adapt' | null;
  moco: boolean;
}

/** The recipe overrides (StartRunInput.overrides) that size one arm's run to a budget. */
export function budgetOverrides(b: StudyBudget, arm: ArmStages): Record<string, unknown> {
  const stages: Record<string, Record<string, unknown>> = {
    evaluate: { linearProbe: { epochs: b.probeEpochs } },
  };
  if (b.finetuneSteps !== null) stages.finetune = { steps: b.finetuneSteps };
  if (arm.base) stages.base = { steps: b.baseSteps, batchSize: b.baseBatch };
  if (arm.pretrain) {
    const steps = arm.pretrain === 'specialist' ? b.specialistSteps : b.adaptSteps;
    stages.pretrain = { steps, warmupSteps: Math.floor(steps / 10), ...(arm.moco ? { queueSize: b.mocoQueue } : {}) };
  }
  return {
    batchSize: b.sslBatch,
    backbone: { config: { widths: b.widths, blocks: 1 } },
    data: { labelBudget: { perClass: b.labelsPerClass } },
    stages,
  };
}
