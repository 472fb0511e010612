/**
 * Recipe → runs: parse a user's recipe (YAML or object, plus overrides), merge it over its
 * preset, check the data, and expand it into one fully resolved RunConfig per seed (prepare →
 * pretrain → adapt → finetune → evaluate, lrs scaled to the batch). Problems come back as a
 * list of `key.path: reason`, all at once, before anything runs.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AdaptStageSpec, EvaluateStageSpec, FinetuneStageSpec, PretrainStageSpec, RecipeFile, type ImageSource, type RecipePreset, type StageSpec } from '../../../shared/schemas/recipe';
import { idxClassNames, type ResolvedSource, type ResolvedStage, type RunConfig } from '../../../shared/schemas/run';
import { finetuneBatch, planFinetune } from '../../../shared/finetune-plan';
import { MAX_PRETRAIN_STEPS } from '../../../shared/schemas/limits';
import { checkSource } from './data-check';
import { toIssues, type RecipeIssue } from './issues';
import { getPreset } from './presets';

/** A recipe that cannot run; `issues` say where and why. */
export class RecipeError extends Error {
  constructor(readonly issues: RecipeIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'RecipeError';
  }
}

/** Image counts found while checking the data (null when unknown). */
export interface DataCounts {
  labeled: number | null;
  unlabeled: number | null;
  source: number | null;
  test: number | null;
}

/** The result of expanding a recipe. */
export interface Expansion {
  recipe: RecipeFile;
  preset: RecipePreset;
  configs: RunConfig[];
  counts: DataCounts;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, anything else (arrays too) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Parses recipe text or object (+ overrides) with the shared schema; throws RecipeError. */
export function parseRecipe(input: string | Record<string, unknown>, overrides?: Record<string, unknown>): RecipeFile {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = parseYaml(input);
    } catch (e) {
      throw new RecipeError([{ path: '(recipe)', message: `not valid YAML: ${(e as Error).message}` }]);
    }
  }
  if (!isPlainObject(raw)) throw new RecipeError([{ path: '(recipe)', message: 'a recipe must be a YAML mapping (name:, recipe:, data: ...)' }]);
  const merged = overrides ? deepMerge(raw, overrides) : raw;
  const parsed = RecipeFile.safeParse(merged);
  if (!parsed.success) throw new RecipeError(toIssues(parsed.error.issues));
  return parsed.data;
}

function resolveSource(src: ImageSource | undefined, baseDir: string): ResolvedSource | null {
  if (src === undefined) return null;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (typeof src === 'string') return src.toLowerCase().endsWith('.csv') ? { kind: 'csv', path: abs(src) } : { kind: 'folder', path: abs(src) };
  return { kind: 'idx', idx: { ...src.idx, images: abs(src.idx.images), labels: abs(src.idx.labels) } };
}

const STAGE_SCHEMAS = { pretrain: PretrainStageSpec, adapt: AdaptStageSpec, finetune: FinetuneStageSpec, evaluate: EvaluateStageSpec } as const;

/** A preset stage with the user's overrides for it, validated by its kind's schema. */
function mergeStage(stage: StageSpec, override: Record<string, unknown> | undefined, issues: RecipeIssue[]): StageSpec | null {
  if (!override) return stage;
  for (const k of ['kind', 'name']) {
    if (k in override) issues.push({ path: `stages.${stage.name}.${k}`, message: `the ${k} of a stage comes from the preset and cannot be overridden` });
  }
  const base: Record<string, unknown> = { ...stage };
  if (stage.kind === 'pretrain' && 'steps' in override && !('epochs' in override)) delete base.epochs;
  // a fine-tune length the user wrote (epochs) is taken as written, not stretched to the preset's minSteps
  if (stage.kind === 'finetune' && 'epochs' in override && !('minSteps' in override)) base.minSteps = 0;
  const parsed = STAGE_SCHEMAS[stage.kind].safeParse({ ...base, ...override });
  if (!parsed.success) {
    issues.push(...toIssues(parsed.error.issues, ['stages', stage.name]));
    return null;
  }
  return parsed.data;
}

/** The smallest known count (null when none is known). */
function smallest(counts: (number | null)[]): number | null {
  const known = counts.filter((c): c is number => c !== null);
  return known.length ? Math.min(...known) : null;
}

/** The sum of known counts (null when none is known). */
function total(counts: (number | null)[]): number | null {
  const known = counts.filter((c): c is number => c !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

/** Rough size of the labeled train split after val/test and the label budget. */
export function trainSplitSize(labeled: number, r: RecipeFile, classes: number): number {
  const test = r.data.test ? 0 : r.data.split.test;
  const train = Math.max(classes, Math.round(labeled * (1 - r.data.split.val - test)));
  const b = r.data.labelBudget;
  if (b === 'all') return train;
  if ('perClass' in b) return Math.min(train, b.perClass * classes);
  return Math.max(classes, Math.round((train * b.percent) / 100));
}

/**
 * Expands a parsed recipe. `baseDir` resolves relative data paths. Throws RecipeError with
 * every problem found (unknown stages, impossible values, missing folders, batch too large).
 */
export function expandRecipe(recipe: RecipeFile, baseDir: string): Expansion {
  const preset = getPreset(recipe.recipe);
  const issues: RecipeIssue[] = [];
  const batch = recipe.batchSize ?? preset.batchSize;
  const effectiveBatch = batch * recipe.accumulate;
  const names = preset.stages.map((s) => s.name);
  for (const k of Object.keys(recipe.stages)) {
    if (!names.includes(k)) issues.push({ path: `stages.${k}`, message: `recipe "${preset.name}" has no stage "${k}" (it has ${names.join(', ')})` });
  }
  const d = recipe.data;
  const labeled = resolveSource(d.labeled ?? (d.idx ? { idx: d.idx } : undefined), baseDir)!;
  const unlabeledList = (Array.isArray(d.unlabeled) ? d.unlabeled : d.unlabeled ? [d.unlabeled] : []).map((s) => resolveSource(s, baseDir)!);
  const data: RunConfig['data'] = {
    labeled,
    unlabeled: unlabeledList.length === 0 ? null : unlabeledList.length === 1 ? unlabeledList[0] : unlabeledList,
    source: resolveSource(Array.isArray(d.source) ? d.source[0] : d.source, baseDir),
    sourceCandidates: Array.isArray(d.source) ? d.source.map((s) => resolveSource(s, baseDir)!) : [],
    test: resolveSource(d.test, baseDir),
    size: d.size,
    labelBudget: d.labelBudget,
    split: d.split,
    seed: d.seed,
    negativeClass: d.negativeClass ?? null,
  };
  const check = (src: ResolvedSource | null, key: string) => {
    if (!src) return null;
    const c = checkSource(src, key);
    issues.push(...c.issues);
    return c.count;
  };
  const labeledKey = d.idx ? 'data.idx' : 'data.labeled';
  const counts: DataCounts = {
    labeled: check(labeled, labeledKey.replace(/\.idx$/, '')),
    unlabeled: unlabeledList.length ? total(unlabeledList.map((s, i) => check(s, unlabeledList.length > 1 ? `data.unlabeled[${i}]` : 'data.unlabeled'))) : null,
    source: data.sourceCandidates.length ? smallest(data.sourceCandidates.map((s, i) => check(s, `data.source[${i}]`))) : check(data.source, 'data.source'),
    test: check(data.test, 'data.test'),
  };
  const classes = labeled.kind === 'idx' ? (labeled.idx.classes?.length ?? 10) : 2;
  const trainN = counts.labeled !== null ? trainSplitSize(counts.labeled, recipe, classes) : null;
  const targetPool = counts.labeled !== null ? (trainN ?? 0) + (counts.unlabeled ?? 0) : null;
  const stages: ResolvedStage[] = [{ kind: 'prepare', name: 'prepare', totalSteps: 0 }];
  for (const s of preset.stages) {
    const st = mergeStage(s, recipe.stages[s.name], issues);
    if (!st) continue;
    const at = `stages.${st.name}`;
    if (st.kind === 'pretrain') {
      const pool = st.pool === 'source' ? counts.source : targetPool;
      if ((st.pool === 'source' || st.sourceReplay) && !data.source) issues.push({ path: 'data.source', message: `stage "${st.name}" needs source images (data.source)` });
      if (pool !== null && batch > pool) issues.push({ path: recipe.batchSize ? 'batchSize' : `${at}`, message: `batch ${batch} is larger than the ${pool} images stage "${st.name}" trains on; lower batchSize` });
      if (st.method === 'moco') {
        const k = st.queueSize ?? 4096;
        if (k % batch !== 0) issues.push({ path: `${at}.queueSize`, message: `the MoCo queue (${k}) must be a multiple of the batch (${batch})` });
      }
      if (st.selectionSteps && st.pool !== 'source') {
        issues.push({ path: `${at}.selectionSteps`, message: 'source selection needs a source stage and a list of candidate sources in data.source' });
      }
      const steps = st.epochs && pool ? st.epochs * Math.ceil(pool / effectiveBatch) : st.steps;
      if (steps > MAX_PRETRAIN_STEPS) issues.push({ path: `${at}.epochs`, message: `${st.epochs} epochs over ${pool} images come to ${steps} steps, more than the ${MAX_PRETRAIN_STEPS} a stage may run; give fewer epochs or steps instead` });
      stages.push({ ...st, steps, lr: (st.baseLr * effectiveBatch) / 256, totalSteps: steps });
    } else if (st.kind === 'finetune') {
      const onSource = st.pool === 'source';
      if (onSource && !data.source) issues.push({ path: 'data.source', message: `stage "${st.name}" trains on the labeled source images: give data.source (a folder with one subfolder per class)` });
      if (onSource && data.sourceCandidates.length) issues.push({ path: 'data.source', message: `stage "${st.name}" trains on the labels of one source folder; data.source lists ${data.sourceCandidates.length}` });
      const n = onSource ? counts.source : trainN;
      if (n !== null && st.batchSize !== undefined && st.batchSize > n) {
        issues.push({ path: `${at}.batchSize`, message: `a fine-tune batch of ${st.batchSize} is larger than the ~${n} ${onSource ? 'source' : 'labeled training'} images; lower it, or leave it out to fit the batch to the labels` });
      }
      // fine-tuning steps one batch at a time (no accumulation): the lrs scale with the batch it uses
      const plan = n ? planFinetune(st, n, batch) : null;
      // SGD's lrs scale linearly with the batch; Adam's are left as written (its steps are normalised)
      const scale = st.optimizer === 'sgd' ? (plan?.batch ?? finetuneBatch(st, batch * 2, batch)) / preset.batchSize : 1;
      // the fitted batch is resolved here, so the engine's plan (exact counts) keeps the lrs' batch
      stages.push({ ...st, ...(plan ? { batchSize: plan.batch } : {}), lrScaled: st.lr * scale, headLrScaled: st.headLr * scale, totalSteps: plan?.totalSteps ?? 0 });
    } else if (st.kind === 'adapt') {
      stages.push({ ...st, totalSteps: st.operations.length });
    } else {
      stages.push({ ...st, totalSteps: 1 });
    }
  }
  if (d.negativeClass && labeled.kind === 'idx') {
    const names = idxClassNames(labeled.idx);
    if (!names.includes(d.negativeClass)) issues.push({ path: 'data.negativeClass', message: `"${d.negativeClass}" is not a class (classes: ${names.join(', ')})` });
  }
  const backbone = { ...preset.backbone, ...recipe.backbone, config: { ...preset.backbone.config, ...(recipe.backbone?.config ?? {}) } };
  if (backbone.weights === 'imagenet') {
    issues.push({ path: 'backbone.weights', message: `"imagenet" needs a local ImageNet weights file for ${backbone.arch} (Attune downloads nothing): give its path (.safetensors, .npz or .h5), or null to start from random weights` });
  } else if (backbone.weights !== null) {
    backbone.weights = isAbsolute(backbone.weights) ? backbone.weights : resolve(baseDir, backbone.weights);
    if (!existsSync(backbone.weights)) issues.push({ path: 'backbone.weights', message: `${backbone.weights} does not exist` });
  }
  if (issues.length) throw new RecipeError(issues);
  const configs = recipe.seeds.map((seed): RunConfig => ({
    name: recipe.name, recipe: preset.name, seed, backbone, data, batchSize: batch, accumulate: recipe.accumulate,
    checkpointEvery: recipe.checkpointEvery, logEvery: recipe.logEvery, stages,
  }));
  return { recipe, preset, configs, counts };
}

