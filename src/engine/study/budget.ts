/**
 * Step budgets of the study. `full` is the protocol; `quick` has a sixth of its supervised and
 * fine-tune steps and a third of its self-supervised ones (one seed, a 1000-image test subset),
 * so it finishes within 20 minutes on a 2-core CPU; `mini` is the CI miniature (a few steps per
 * arm, small subsets) that checks the bookkeeping, not accuracies.
 */
import type { DomainLimits } from './data';

/** Everything that sizes a study. */
export interface StudyBudget {
  name: 'full' | 'quick' | 'mini';
  /** small-resnet widths (featureDim = last) */
  widths: number[];
  limits: DomainLimits;
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
  /** fine-tuning optimiser steps on the labeled draw (full batch of all labels) */
  finetuneSteps: number;
  /** linear-probe passes over the labeled features */
  probeEpochs: number;
}

const WIDTHS = [16, 32, 64];

/** The named budgets. */
export const BUDGETS: Record<StudyBudget['name'], StudyBudget> = {
  full: {
    name: 'full', widths: WIDTHS, limits: {}, labelsPerClass: 10,
    baseSteps: 600, baseBatch: 64, specialistSteps: 1200, adaptSteps: 300, sslBatch: 32, mocoQueue: 2048,
    finetuneSteps: 120, probeEpochs: 200,
  },
  quick: {
    name: 'quick', widths: WIDTHS, limits: { testPerClass: 200 }, labelsPerClass: 10,
    baseSteps: 100, baseBatch: 64, specialistSteps: 400, adaptSteps: 100, sslBatch: 32, mocoQueue: 1024,
    finetuneSteps: 20, probeEpochs: 200,
  },
  mini: {
    name: 'mini', widths: [4, 8], limits: { sourcePerClass: 20, poolPerClass: 20, testPerClass: 6 }, labelsPerClass: 2,
    baseSteps: 2, baseBatch: 8, specialistSteps: 4, adaptSteps: 1, sslBatch: 8, mocoQueue: 16,
    finetuneSteps: 2, probeEpochs: 5,
  },
};

/** Checks a budget's numbers, naming the field at fault. */
export function validateBudget(b: StudyBudget): void {
  const ints: Array<keyof StudyBudget> = ['labelsPerClass', 'baseSteps', 'baseBatch', 'specialistSteps', 'adaptSteps', 'sslBatch', 'mocoQueue', 'finetuneSteps', 'probeEpochs'];
  for (const k of ints) {
    const v = b[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`study budget "${b.name}": ${k} must be a positive integer, got ${v}`);
  }
  if (b.mocoQueue % b.sslBatch !== 0) throw new Error(`study budget "${b.name}": mocoQueue (${b.mocoQueue}) must be a multiple of sslBatch (${b.sslBatch})`);
  if (b.adaptSteps * 4 > b.specialistSteps) throw new Error(`study budget "${b.name}": adaptSteps must be at most a quarter of specialistSteps`);
}
