/**
 * The wizard's checks before each Next, in the user's words and units: what the scan found in
 * the folders, split shares in percent, the counts the split and label budget leave per class
 * (the engine's stratified split and budget, counted, not drawn), and a batch that fits them.
 */
import type { DatasetSummary } from '../../../shared/contract/datasets';
import type { RecipePreset } from '../../../shared/schemas/recipe';
import type { WizardAnswers } from './recipe';

/** Problems of the data step: nothing scanned yet, folders without images, too few classes. */
export function dataProblems(a: WizardAnswers, list: DatasetSummary[], pendingUnlabeled = ''): string[] {
  if (a.fixedData) return [];
  const out: string[] = [];
  const path = a.labeledPath.trim();
  if (!path) return ['Give the folder (or CSV) of your labeled images, then scan it.'];
  const labeled = list.find((d) => d.kind === a.labeledKind && samePath(d.root, path));
  if (!labeled) out.push(`Scan ${path} first: press "Scan images".`);
  else if (labeled.readable === 0) out.push(`No images found in ${labeled.root}.`);
  else {
    const classes = Object.keys(labeled.classes).length;
    if (classes < 2) out.push(`${labeled.root} has ${classes === 0 ? 'no class folders' : `only one class (${Object.keys(labeled.classes)[0]})`}: labeled images need at least two classes, one sub-folder per class.`);
  }
  for (const p of [...a.unlabeledPaths, a.sourcePath, a.testPath].map((x) => x.trim()).filter(Boolean)) {
    const d = list.find((x) => samePath(x.root, p));
    if (!d) out.push(`Scan ${p} too: press "Scan again".`);
    else if (d.readable === 0) out.push(`No images found in ${d.root}.`);
  }
  if (pendingUnlabeled.trim()) out.push(`The unlabeled folder ${pendingUnlabeled.trim()} is typed but not added: press "Add folder" (Scan adds it too).`);
  return out;
}

function samePath(x: string, y: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  return norm(x) === norm(y);
}

/** The labeled dataset the answers point at (by path), if it was scanned. */
export function labeledDataset(a: WizardAnswers, list: DatasetSummary[]): DatasetSummary | undefined {
  if (a.fixedData) return list.find((d) => d.kind === 'idx' && Object.keys(d.classes).length >= 2);
  return list.find((d) => d.kind === a.labeledKind && samePath(d.root, a.labeledPath.trim()));
}

/** Readable images of the scanned unlabeled folders the answers list. */
export function unlabeledCount(a: WizardAnswers, list: DatasetSummary[]): number {
  if (a.fixedData) return 0;
  return a.unlabeledPaths.reduce((n, p) => n + (list.find((d) => d.kind === 'unlabeled' && samePath(d.root, p.trim()))?.readable ?? 0), 0);
}

/** Problems of the split shares and the label budget, in percent and field names. */
export function splitProblems(a: WizardAnswers): string[] {
  const out: string[] = [];
  const val = a.valPercent;
  const test = a.testPath.trim() ? 0 : a.testPercent;
  if (typeof val !== 'number' || !Number.isFinite(val) || val < 0 || val > 50) out.push(`Validation share must be between 0 % and 50 % (it is ${show(val)}).`);
  if (!a.testPath.trim() && (typeof test !== 'number' || !Number.isFinite(test) || test < 0 || test > 50)) out.push(`Test share must be between 0 % and 50 % (it is ${show(test)}).`);
  if (out.length === 0 && val + test >= 100) out.push(`Validation share + test share is ${val + test} %: together they must stay under 100 % so some images are left to train on.`);
  if (a.budget !== 'all') {
    const v = a.budgetValue;
    if (a.budget === 'perClass' && (!Number.isInteger(v) || v < 1)) out.push(`Images per class must be a whole number of at least 1 (it is ${show(v, '')}).`);
    if (a.budget === 'percent' && (typeof v !== 'number' || !(v > 0 && v <= 100))) out.push(`Percent of labels must be more than 0 % and at most 100 % (it is ${show(v)}).`);
  }
  return out;
}

function show(v: unknown, unit = ' %'): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v}${unit}` : 'empty';
}

/** Images of one class after the split and the label budget. */
export interface ClassSplit {
  label: string;
  total: number;
  train: number;
  val: number;
  test: number;
  /** training images that keep their label under the budget */
  labeledTrain: number;
}

/** Counts per class as the engine's stratified split and label budget make them (a class always keeps one training image). */
export function splitPreview(classes: Record<string, number>, a: WizardAnswers): ClassSplit[] {
  const fVal = Math.max(0, a.valPercent || 0) / 100;
  const fTest = a.testPath.trim() || a.fixedData?.test ? 0 : Math.max(0, a.testPercent || 0) / 100;
  return Object.entries(classes).map(([label, n]) => {
    let test = Math.round(n * fTest);
    let val = Math.round(n * fVal);
    while (test + val > n - 1 && (test > 0 || val > 0)) {
      if (val >= test && val > 0) val--;
      else test--;
    }
    const train = n - val - test;
    const labeledTrain = a.budget === 'all' ? train : a.budget === 'perClass' ? Math.min(Math.max(1, Math.round(a.budgetValue || 1)), train) : Math.min(train, Math.max(1, Math.round((train * (a.budgetValue || 0)) / 100)));
    return { label, total: n, train, val, test, labeledTrain };
  });
}

/** The column totals of a split preview. */
export function previewTotals(rows: ClassSplit[]): Omit<ClassSplit, 'label'> {
  const sum = (k: keyof Omit<ClassSplit, 'label'>) => rows.reduce((n, r) => n + r[k], 0);
  return { total: sum('total'), train: sum('train'), val: sum('val'), test: sum('test'), labeledTrain: sum('labeledTrain') };
}

/** The largest power of two (at least 2) not above `n`: a batch that fits `n` images. */
export function fittingBatch(n: number): number {
  let b = 2;
  while (b * 2 <= n) b *= 2;
  return b;
}

/** Images each self-supervised stage of the preset trains on (what the run's batch must fit), null when unknown. */
export function pretrainPool(preset: RecipePreset | undefined, labeledTrain: number | null, unlabeled: number, source: number | null): { pool: number; what: string } | null {
  let smallest: { pool: number; what: string } | null = null;
  for (const s of preset?.stages ?? []) {
    if (s.kind !== 'pretrain') continue;
    const c = s.pool === 'source' ? (source === null ? null : { pool: source, what: 'source images' }) : labeledTrain === null ? null : { pool: labeledTrain + unlabeled, what: unlabeled ? 'labeled training and unlabeled images' : 'labeled training images' };
    if (c && (!smallest || c.pool < smallest.pool)) smallest = c;
  }
  return smallest;
}

/** The batch problem of the recipe step, with the batch that would fit; null when the batch fits. */
export function batchProblem(batch: number, pool: { pool: number; what: string } | null): { message: string; fits: number } | null {
  if (!Number.isInteger(batch) || batch < 2) return { message: 'Batch size must be a whole number of at least 2.', fits: 2 };
  if (!pool || batch <= pool.pool) return null;
  const fits = fittingBatch(pool.pool);
  return { message: `Batch size ${batch} is larger than the ${pool.pool} ${pool.what} a self-supervised step draws from: use a batch of ${fits} or less, or add unlabeled images.`, fits };
}

/** Problems of the recipe step's number fields. */
export function recipeFieldProblems(a: WizardAnswers): string[] {
  const out: string[] = [];
  const whole = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (a.pretrainSteps !== null && !whole(a.pretrainSteps, 1)) out.push('Self-supervised steps per stage must be a whole number of at least 1.');
  if (a.finetuneEpochs !== null && !whole(a.finetuneEpochs, 1)) out.push('Fine-tune epochs must be a whole number of at least 1.');
  if (!whole(a.size, 8) || a.size > 1024) out.push('Image size must be a whole number of pixels between 8 and 1024.');
  return out;
}
