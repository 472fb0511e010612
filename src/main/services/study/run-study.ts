/**
 * Runs the Fashion-MNIST domain-adaptation study as runs of a project: for every seed, each arm's
 * recipe (arms.ts), sized by the budget, goes through the app's run service, exactly as
 * `attune run` would run that recipe file. All arms of a seed share the labeled draw and the test
 * set (the paired design: data.seed = the seed), and an arm that starts from another arm's
 * backbone reads the file that arm's run saved. Each arm's recipe is written beside the report,
 * so any arm can be run again on its own with `attune run`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { NodeApp } from '../../node-app';
import { deepMerge } from '../runs/expand';
import { runDirOf } from '../runs/queue';
import type { RunDetail, RunResultSummary } from '../../../shared/schemas/run';
import { ARM_NAMES, ARM_STARTS, loadArmRecipe, type ArmName } from './arms';
import { budgetOverrides, validateBudget, type StudyBudget } from './budget';

/** Accuracy, macro-F1, log loss and AUC of one evaluation, with its confusion matrix. */
export interface Scores {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  auc: number;
  confusion: number[][];
}

/** One arm on one seed. */
export interface ArmSeedResult {
  arm: ArmName;
  seed: number;
  runId: string;
  /** short hashes of the labeled draw and of the test set: equal for every arm of a seed */
  drawId: string;
  testId: string;
  labeledCount: number;
  testSize: number;
  linearProbe: Scores;
  finetune: Scores;
  /** self-supervised steps of the arm's adapted backbone (inherited by hpt-daft from hpt) */
  pretrainSteps: number;
  /** supervised source steps of the base the arm starts from (its own for base) */
  baseSteps: number;
  /** wall seconds of the arm's own run */
  seconds: number;
  phases: { prepare: number; pretrain: number; finetune: number; evaluate: number };
}

/** Options of a study. */
export interface StudyOptions {
  app: NodeApp;
  /** the project folder the runs go to (it must exist) */
  project: string;
  /** the Fashion-MNIST IDX folder */
  dataDir: string;
  budget: StudyBudget;
  seeds: number[];
  /** the study's id: names the folder of its recipes and report (default: a new one) */
  studyId?: string;
  /**
   * the arms to run (default: all). An arm that starts from another arm's backbone needs that
   * arm run in this study or already completed in the project for the same seed.
   */
  arms?: readonly ArmName[];
  onLog?: (m: string) => void;
  /** called as each arm of each seed finishes */
  onArm?: (r: ArmSeedResult) => void;
}

/** Everything a study measured. */
export interface StudyResult {
  studyId: string;
  budget: StudyBudget;
  seeds: number[];
  results: ArmSeedResult[];
  counts: { source: number; targetPool: number; targetTest: number; labeledPerClass: number };
  base: Array<{ seed: number; steps: number; seconds: number }>;
  seconds: number;
}

/** Fashion-MNIST's training images per class (each study domain has five classes). */
const TRAIN_PER_DOMAIN = 30000;

/** The folder of a study's recipes and report inside its project. */
export function studyFolder(project: string, studyId: string): string {
  return join(resolve(project), 'studies', studyId.slice(0, 8));
}

function idOf(keys: string[]): string {
  return createHash('sha256').update([...keys].sort().join('\n')).digest('hex').slice(0, 12);
}

function scoresOf(m: { accuracy: number; f1: number; loss: number; auc: number }, confusion: number[][]): Scores {
  return { accuracy: m.accuracy, macroF1: m.f1, logLoss: m.loss, auc: m.auc, confusion };
}

/** The recipe of one arm on one seed: the arm's file, sized by the budget, its seed and starting weights set. */
export function armRecipe(arm: ArmName, o: { budget: StudyBudget; dataDir: string; seed: number; weights: string | null }): Record<string, unknown> {
  const recipe = loadArmRecipe(arm, o.dataDir);
  const stages = (recipe.stages ?? {}) as Record<string, { method?: string }>;
  const data = recipe.data as Record<string, unknown>;
  const l = o.budget.limits;
  const limit = (n: number | undefined) => (n === undefined ? undefined : { idx: { limit: n } });
  const sized = budgetOverrides(o.budget, {
    base: 'base' in stages,
    pretrain: 'pretrain' in stages ? (ARM_STARTS[arm] ? 'adapt' : 'specialist') : null,
    moco: stages.pretrain?.method === 'moco',
  });
  const setup = {
    name: `study ${arm} (${o.budget.name} budget)`,
    seeds: [o.seed],
    backbone: { weights: o.weights },
    data: {
      seed: o.seed,
      ...(limit(l.pool) ? { labeled: limit(l.pool) } : {}),
      ...(limit(l.test) ? { test: limit(l.test) } : {}),
      ...('source' in data && limit(l.source) ? { source: limit(l.source) } : {}),
    },
  };
  return deepMerge(deepMerge(recipe, sized), setup) as Record<string, unknown>;
}

/**
 * The newest group of completed runs of this arm and budget (same run name) in the project that
 * lacks `seed`: a study continued with other seeds (--first-seed) adds to the arms' groups, so
 * Compare shows each arm as one row over all its seeds.
 */
function joinableGroup(app: NodeApp, project: string, name: string, seed: number): string | undefined {
  const runs = app.runs.list(project).filter((r) => r.name === name && r.groupId && r.status === 'completed');
  const seedsOf = (g: string) => new Set(runs.filter((r) => r.groupId === g).map((r) => r.seed));
  return runs.filter((r) => !seedsOf(r.groupId!).has(seed)).sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0]?.groupId ?? undefined;
}

function secondsOf(d: RunDetail, pick: (kind: string, idx: number) => boolean): number {
  return d.stages.filter((s) => pick(s.kind, s.idx)).reduce((t, s) => t + (s.seconds ?? 0), 0);
}

/** Runs every arm of every seed; throws naming the arm, seed and run when a run does not complete. */
export async function runStudy(o: StudyOptions): Promise<StudyResult> {
  validateBudget(o.budget);
  const t0 = Date.now();
  const studyId = o.studyId ?? randomUUID();
  const folder = studyFolder(o.project, studyId);
  mkdirSync(folder, { recursive: true });
  const log = o.onLog ?? (() => undefined);
  const groups = new Map<ArmName, string>();
  const results: ArmSeedResult[] = [];
  const base: StudyResult['base'] = [];
  for (const seed of o.seeds) {
    const bySeed = new Map<ArmName, ArmSeedResult>();
    const wanted = new Set(o.arms ?? ARM_NAMES);
    // an arm runs when asked for, or when an arm asked for starts from it
    const needed = (arm: ArmName): boolean => wanted.has(arm) || ARM_NAMES.some((a) => ARM_STARTS[a]?.arm === arm && needed(a));
    for (const arm of ARM_NAMES.filter(needed)) {
      const start = ARM_STARTS[arm];
      const from = start ? bySeed.get(start.arm) : undefined;
      if (start && !from) throw new Error(`study: arm ${arm} starts from ${start.arm}, which has not run for seed ${seed}`);
      const weights = start && from ? join(runDirOf(resolve(o.project), from.runId), start.file) : null;
      const recipe = armRecipe(arm, { budget: o.budget, dataDir: o.dataDir, seed, weights });
      const text = toYaml(recipe);
      const file = join(folder, `${arm}-seed${seed}.yaml`);
      writeFileSync(file, text);
      // a run of exactly this recipe that completed earlier (an interrupted study run again) is reused
      const input = { project: o.project, recipe: text, baseDir: o.dataDir };
      const config = o.app.runs.expand(input).configs[0];
      const earlier = o.app.runs.list(o.project).find((x) => x.status === 'completed' && x.result && x.seed === seed && x.name === config.name
        && JSON.stringify(o.app.runs.get(o.project, x.id).config) === JSON.stringify(config));
      let runId: string;
      let summary: RunResultSummary;
      if (earlier) {
        log(`seed ${seed} ${arm}: reusing run ${earlier.id.slice(0, 8)}, which ran this recipe to completion`);
        [runId, summary] = [earlier.id, earlier.result!];
        if (earlier.groupId) groups.set(arm, earlier.groupId);
      } else {
        log(`seed ${seed} ${arm}: attune run ${file}`);
        const groupId = groups.get(arm) ?? joinableGroup(o.app, o.project, config.name, seed);
        const started = o.app.runs.start({ ...input, ...(groupId ? { groupId } : {}) });
        groups.set(arm, started.groupId);
        runId = started.runIds[0];
        const done = await o.app.runs.waitFor(o.project, runId);
        if (done.status !== 'completed' || !done.result) throw new Error(`study: arm ${arm}, seed ${seed}: run ${runId} ended ${done.status}${done.error ? ` (${done.error})` : ''}`);
        summary = done.result;
      }
      const r = armResult(arm, seed, runDirOf(resolve(o.project), runId), o.app.runs.get(o.project, runId), summary, from);
      bySeed.set(arm, r);
      results.push(r);
      if (arm === 'base') base.push({ seed, steps: r.baseSteps, seconds: r.phases.pretrain });
      log(`seed ${seed} ${arm.padEnd(10)} LP acc ${(r.linearProbe.accuracy * 100).toFixed(1)} | FT acc ${(r.finetune.accuracy * 100).toFixed(1)} F1 ${(r.finetune.macroF1 * 100).toFixed(1)} | ${r.seconds.toFixed(0)} s (run ${runId.slice(0, 8)})`);
      o.onArm?.(r);
    }
  }
  const l = o.budget.limits;
  return {
    studyId, budget: o.budget, seeds: o.seeds, results, base, seconds: (Date.now() - t0) / 1000,
    counts: { source: l.source ?? TRAIN_PER_DOMAIN, targetPool: l.pool ?? TRAIN_PER_DOMAIN, targetTest: results[0]?.testSize ?? 0, labeledPerClass: o.budget.labelsPerClass },
  };
}

/** One finished run as an arm's result. */
function armResult(arm: ArmName, seed: number, runDir: string, d: RunDetail, summary: RunResultSummary, from: ArmSeedResult | undefined): ArmSeedResult {
  const split = JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8')) as { train: string[]; test: string[] };
  if (!summary.linearProbe) throw new Error(`study: arm ${arm}, seed ${seed}: run ${d.id} took no linear probe (its evaluate stage needs linearProbe)`);
  const cfg = d.config.stages;
  const own = (kind: string) => cfg.filter((s) => s.kind === kind).reduce((t, s) => t + s.totalSteps, 0);
  const sourceSteps = cfg.filter((s) => s.kind === 'finetune' && s.pool === 'source').reduce((t, s) => t + s.totalSteps, 0);
  // what builds the backbone before the labels are used: SSL, weight surgery, supervised source training
  const isPretraining = (kind: string, idx: number) => kind === 'pretrain' || kind === 'adapt' || (kind === 'finetune' && (cfg[idx] as { pool?: string }).pool === 'source');
  const phases = {
    prepare: secondsOf(d, (kind) => kind === 'prepare'),
    pretrain: secondsOf(d, isPretraining),
    finetune: secondsOf(d, (kind, idx) => kind === 'finetune' && !isPretraining(kind, idx)),
    evaluate: secondsOf(d, (kind) => kind === 'evaluate'),
  };
  const inheritsPretrain = arm === 'hpt-daft';
  return {
    arm, seed, runId: d.id,
    drawId: idOf(split.train), testId: idOf(split.test), labeledCount: split.train.length, testSize: summary.testSize,
    linearProbe: scoresOf(summary.linearProbe, summary.linearProbe.confusion),
    finetune: scoresOf(summary.plain, summary.confusion),
    pretrainSteps: inheritsPretrain ? (from?.pretrainSteps ?? 0) : own('pretrain'),
    baseSteps: sourceSteps || (from?.baseSteps ?? 0),
    seconds: phases.prepare + phases.pretrain + phases.finetune + phases.evaluate,
    phases,
  };
}
