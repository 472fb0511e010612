/**
 * The setup wizard's answers turned into a recipe object (the YAML format of
 * src/shared/schemas/recipe.ts): data paths, split and label budget, backbone, the preset,
 * and per-stage overrides for the training length the person chose.
 */
import type { RecipePreset } from '../../../shared/schemas/recipe';
import { methodTitle } from '../../../shared/ssl-methods';
import { presetText } from './words';

/** Everything the wizard asks. */
export interface WizardAnswers {
  runName: string;
  labeledKind: 'labeled-folder' | 'csv';
  labeledPath: string;
  unlabeledPaths: string[];
  sourcePath: string;
  testPath: string;
  negativeClass: string;
  valPercent: number;
  testPercent: number;
  budget: 'all' | 'perClass' | 'percent';
  budgetValue: number;
  arch: string;
  /** '' for random init, else a weights file path */
  weightsPath: string;
  preset: string;
  size: number;
  batchSize: number;
  /** optimiser steps of each self-supervised stage (null: the preset's) */
  pretrainSteps: number | null;
  /** epochs of each fine-tune stage (null: the preset's) */
  finetuneEpochs: number | null;
  seeds: number[];
  /** data given as a recipe block (IDX files of the example project) instead of the paths above */
  fixedData: Record<string, unknown> | null;
}

/** Sensible answers for a fresh project (the built-in small backbone, quick settings). */
export function defaultAnswers(): WizardAnswers {
  return {
    runName: '', labeledKind: 'labeled-folder', labeledPath: '', unlabeledPaths: [], sourcePath: '', testPath: '', negativeClass: '',
    valPercent: 10, testPercent: 20, budget: 'all', budgetValue: 10,
    arch: 'small-resnet', weightsPath: '', preset: 'hpt', size: 32, batchSize: 32, pretrainSteps: 200, finetuneEpochs: 5, seeds: [0], fixedData: null,
  };
}

/** The recipe object for `runs.estimate` / `runs.start`. */
export function buildRecipe(a: WizardAnswers, preset: RecipePreset | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {
    ...(a.fixedData ?? { labeled: a.labeledPath.trim() }),
    size: a.size,
    split: { val: a.valPercent / 100, test: a.testPath.trim() ? 0 : a.testPercent / 100 },
    labelBudget: a.budget === 'all' ? 'all' : a.budget === 'perClass' ? { perClass: Math.max(1, Math.round(a.budgetValue)) } : { percent: a.budgetValue },
  };
  if (a.fixedData) {
    data.split = { val: a.valPercent / 100, test: a.fixedData.test ? 0 : a.testPercent / 100 };
    if (a.negativeClass.trim()) data.negativeClass = a.negativeClass.trim();
  }
  const unlabeled = a.fixedData ? [] : a.unlabeledPaths.map((p) => p.trim()).filter(Boolean);
  if (unlabeled.length) data.unlabeled = unlabeled.length === 1 ? unlabeled[0] : unlabeled;
  if (!a.fixedData) {
    if (a.sourcePath.trim()) data.source = a.sourcePath.trim();
    if (a.testPath.trim()) data.test = a.testPath.trim();
    if (a.negativeClass.trim()) data.negativeClass = a.negativeClass.trim();
  }
  const stages: Record<string, Record<string, unknown>> = {};
  for (const s of preset?.stages ?? []) {
    if (s.kind === 'pretrain' && a.pretrainSteps) {
      const o: Record<string, unknown> = { steps: a.pretrainSteps };
      // a MoCo queue must be a multiple of the batch and not larger than the data: keep it modest
      if (s.method === 'moco') o.queueSize = a.batchSize * Math.max(1, Math.min(32, Math.floor(1024 / a.batchSize)));
      stages[s.name] = o;
    }
    if (s.kind === 'finetune' && a.finetuneEpochs) stages[s.name] = { epochs: a.finetuneEpochs, ...(s.headEpochs > 0 ? { headEpochs: Math.min(s.headEpochs, Math.max(1, Math.floor(a.finetuneEpochs / 2))) } : {}) };
  }
  return {
    // relative IDX paths of the example resolve against the project folder (runs.start's default)
    name: a.runName.trim() || (preset ? presetText(preset.title, a) : a.preset).slice(0, 200),
    recipe: a.preset,
    backbone: { arch: a.arch, weights: a.weightsPath.trim() || null },
    data,
    batchSize: a.batchSize,
    seeds: a.seeds.length ? a.seeds : [0],
    logEvery: 5,
    stages,
  };
}

/** Plain-words summary of a preset's stages, for the recipe cards. */
export function stagesInWords(preset: RecipePreset): string {
  return preset.stages
    .map((s) => {
      if (s.kind === 'pretrain') return `${methodTitle(s.method)} self-supervised on ${s.pool === 'source' ? 'the source images' : 'your images'} (${s.steps} steps)`;
      if (s.kind === 'adapt') return `weight fixes (${s.operations.join(', ')})`;
      if (s.kind === 'finetune' && s.pool === 'source') return `supervised on the source folder's classes (${s.epochs} epochs)`;
      if (s.kind === 'finetune') return `fine-tune with labels (${s.mode}, ${s.epochs} epochs)`;
      return `test${s.tta ? ' with and without TTA' : ''}`;
    })
    .join(' → ');
}

/** The `data` block of a recipe (YAML already parsed), keeping only what the wizard does not ask. */
export function dataBlockOf(recipe: unknown): Record<string, unknown> | null {
  const data = (recipe as { data?: Record<string, unknown> } | null)?.data;
  if (!data || typeof data !== 'object') return null;
  const { size: _size, labelBudget: _budget, split: _split, seed: _seed, negativeClass: _neg, ...rest } = data;
  return rest;
}
