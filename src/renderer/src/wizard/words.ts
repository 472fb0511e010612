/**
 * What the wizard says about a run in plain words: recipe cards with the numbers the fields
 * hold, the papers by name, seeds, the review summary, the random-init warning, and server
 * issues (`data.split.val: Too big …`) rewritten with field labels and percentages.
 */
import type { RecipePreset } from '../../../shared/schemas/recipe';
import { methodTitle } from '../../../shared/ssl-methods';
import type { WizardAnswers } from './recipe';

const PAPERS: [RegExp, string][] = [
  [/^000\b/, 'a practitioner\'s blog post (BiT + BYOL on one RTX 2070)'],
  [/^001\b/, 'Hierarchical PreTraining (Reed et al.)'],
  [/^002\b/, 'Domain-Aware Fine-Tuning (DAFT)'],
  [/^003\b/, 'double pretraining with weight scaling (P2X, Ciga et al.)'],
  [/^004\b/, 'Unsupervised Fine-Tuning with source replay (UFT)'],
  [/^baseline/, 'a baseline to compare against'],
];

/** The preset's paper as a reader would name it ("001 HPT (Reed et al.)" → "Hierarchical PreTraining (Reed et al.)"). */
export function paperInWords(paper: string): string {
  return PAPERS.find(([re]) => re.test(paper))?.[1] ?? paper.replace(/^\d{3}\s+/, '');
}

/** Replaces the preset's own training lengths in its text with the ones the fields hold, and YAML keys with words. */
export function presetText(text: string, a: Pick<WizardAnswers, 'pretrainSteps' | 'finetuneEpochs'>): string {
  let t = text;
  // "(~5 epochs)" is a self-supervised length (Blog's BYOL): the steps field replaces it
  if (a.pretrainSteps) t = t.replace(/(about |~)?\b\d+(\.\d+)?k? steps\b|~\d+ epochs\b/g, plural(a.pretrainSteps, 'step'));
  if (a.finetuneEpochs) t = t.replace(/\b\d+ epochs\b/g, plural(a.finetuneEpochs, 'epoch'));
  return t
    .replace(/Needs data\.source/g, 'Needs a source image folder')
    .replace(/\bdata\.source\b/g, 'the source folder')
    .replace(/\bdata\.unlabeled\b/g, 'the unlabeled folders')
    .replace(/\bdata\.test\b/g, 'the test folder');
}

/** "Seed 0", or "3 seeds (0, 1, 2): one run each". */
export function seedsInWords(seeds: number[]): string {
  if (seeds.length <= 1) return `Seed ${seeds[0] ?? 0}: one run`;
  return `${seeds.length} seeds (${seeds.join(', ')}): one run each`;
}

/** The warning when a recipe written for a pretrained backbone would start a large one from random weights, else null. */
export function randomInitWarning(a: WizardAnswers, preset: RecipePreset | undefined): string | null {
  if (!preset || preset.backbone.weights === null || a.weightsPath.trim() || a.arch === 'small-resnet') return null;
  return `${a.arch} would start from random weights, but ${preset.title.replace(/\s*\(.*\)$/, '')} adapts a pretrained backbone: from random init it learns little. Give a weights file, or choose the small ResNet.`;
}

/** One line of the review. */
export interface SummaryLine {
  label: string;
  value: string;
}

const MODES: Record<string, string> = { lp: 'linear probe (head only)', ft: 'full fine-tune', 'lp-ft': 'head first, then everything', daft: 'DAFT fine-tune', 'freeze-unfreeze': 'head first, then unfreeze' };

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
}

/** The stages as this run will do them, with the lengths the fields hold. */
export function stagesForRun(preset: RecipePreset, a: Pick<WizardAnswers, 'pretrainSteps' | 'finetuneEpochs'>): string[] {
  return preset.stages.map((s) => {
    if (s.kind === 'pretrain') return `${methodTitle(s.method)} self-supervised on ${s.pool === 'source' ? 'the source images' : 'your images'}, ${plural(a.pretrainSteps ?? s.steps, 'step')}`;
    if (s.kind === 'adapt') return `weight fixes (${s.operations.join(', ')})`;
    if (s.kind === 'finetune') return `${MODES[s.mode] ?? s.mode} with your labels, ${plural(a.finetuneEpochs ?? s.epochs, 'epoch')}${s.mixup > 0 ? ', images blended in pairs (mixup)' : ''}`;
    return `test${s.tta ? ', with and without test-time augmentation' : ''}`;
  });
}

/** The review step's summary of the run. */
export function reviewSummary(a: WizardAnswers, preset: RecipePreset | undefined, counts: { labeled: number | null; classes: number | null; unlabeled: number }): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const n = (x: number | null, what: string) => (x === null ? '' : ` · ${x.toLocaleString('en')} ${what}`);
  lines.push({ label: 'Labeled images', value: a.fixedData ? "the example's Fashion-MNIST files" : `${a.labeledPath.trim()}${n(counts.labeled, 'images')}${n(counts.classes, 'classes')}` });
  if (a.unlabeledPaths.length) lines.push({ label: 'Unlabeled folders', value: `${a.unlabeledPaths.join(', ')} · ${counts.unlabeled.toLocaleString('en')} images` });
  if (a.sourcePath.trim()) lines.push({ label: 'Source folder', value: a.sourcePath.trim() });
  lines.push({ label: 'Test images', value: a.testPath.trim() ? a.testPath.trim() : `${a.testPercent} % of the labeled images` });
  lines.push({ label: 'Validation share', value: `${a.valPercent} %` });
  lines.push({ label: 'Labels to use', value: a.budget === 'all' ? 'all labeled training images' : a.budget === 'perClass' ? `${a.budgetValue} per class (the rest train without labels)` : `${a.budgetValue} % of each class` });
  if (a.negativeClass) lines.push({ label: 'Negative class', value: `${a.negativeClass} (AUC is positive vs. this class)` });
  lines.push({ label: 'Backbone', value: `${a.arch}, ${a.weightsPath.trim() ? `weights from ${a.weightsPath.trim()}` : 'random initial weights'}` });
  if (preset) lines.push({ label: 'Recipe', value: `${presetText(preset.title, a)}: ${stagesForRun(preset, a).join(' → ')}` });
  lines.push({ label: 'Batch and image size', value: `${a.batchSize} images per step, ${a.size} × ${a.size} px` });
  lines.push({ label: 'Seeds', value: seedsInWords(a.seeds) });
  return lines;
}

const FIELDS: [RegExp, string, boolean][] = [
  [/^data\.split\.val$/, 'Validation share', true],
  [/^data\.split\.test$/, 'Test share', true],
  [/^data\.split$/, 'Validation and test shares', true],
  [/^data\.labelBudget/, 'Labels to use', false],
  [/^data\.labeled$|^data\.idx$/, 'Labeled images', false],
  [/^data\.unlabeled\[(\d+)\]$/, 'Unlabeled folder', false],
  [/^data\.unlabeled$/, 'Unlabeled folder', false],
  [/^data\.source/, 'Source folder', false],
  [/^data\.test$/, 'Test folder', false],
  [/^data\.size$/, 'Image size', false],
  [/^data\.negativeClass$/, 'Negative class', false],
  [/^batchSize$/, 'Batch size', false],
  [/^seeds/, 'Seeds', false],
  [/^backbone\.weights$/, 'Pretrained weights file', false],
  [/^backbone/, 'Backbone', false],
  [/^stages\.[^.]+\.steps$/, 'Self-supervised steps per stage', false],
  [/^stages\.[^.]+\.epochs$/, 'Fine-tune epochs', false],
  [/^stages\.[^.]+\.queueSize$/, 'MoCo queue (set from the batch size)', false],
  [/^stages\.[^.]+\.batchSize$/, 'Batch size', false],
  [/^stages\.([^.]+)$/, 'Batch size', false],
];

/** A server issue in the wizard's words: the field's label, shares in percent, keys replaced. */
export function plainIssue(issue: { path: string; message: string }): string {
  const field = FIELDS.find(([re]) => re.test(issue.path));
  let msg = issue.message;
  if (field?.[2]) {
    msg = msg
      .replace(/Too big: expected number to be <=\s*([\d.]+)/i, (_m, x: string) => `must be at most ${Math.round(Number(x) * 100)} %`)
      .replace(/Too small: expected number to be >=\s*([\d.]+)/i, (_m, x: string) => `must be at least ${Math.round(Number(x) * 100)} %`);
  }
  msg = msg
    .replace(/\s*\(data\.source\)/g, '')
    .replace(/\bdata\.source\b/g, 'a source folder')
    .replace(/\bdata\.split\.val\b/g, 'the validation share')
    .replace(/\bdata\.split\.test\b/g, 'the test share')
    .replace(/\blower batchSize\b/g, 'lower the batch size')
    .replace(/\bbatchSize\b/g, 'batch size');
  if (!field) return `${msg.charAt(0).toUpperCase()}${msg.slice(1)}`;
  const idx = issue.path.match(/\[(\d+)\]$/);
  return `${field[1]}${idx ? ` ${Number(idx[1]) + 1}` : ''}: ${msg}`;
}
