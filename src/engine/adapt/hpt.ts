/**
 * Hierarchical PreTraining (Reed et al., "Self-Supervised Pretraining Improves
 * Self-Supervised Pretraining", WACV 2022): base model → optional source stage → target
 * stage, each a short SSL run (~5k steps) continuing from the previous weights; HPT-BN trains
 * only BN γ/β (plus the projector); BN running-statistics re-estimation on target data is its
 * own step; source selection runs a short SSL per candidate and keeps the one whose linear
 * probe on the labeled target data is best.
 */
import type { Backbone, Params } from '../models/types';
import { extractFeatures } from '../eval/features';
import type { LabeledImages } from '../eval/images';
import { linearProbe, type ProbeOptions } from '../eval/linear-probe';

/** One stage of an HPT plan; `data` names a dataset the caller resolves. */
export type HptStage =
  | { kind: 'bn-reestimate'; name: string; data: string }
  | { kind: 'ssl'; name: string; data: string; steps: number; backboneTraining: 'all' | 'norm-only' };

/** What to plan. */
export interface HptPlanOptions {
  target: { data: string; steps?: number };
  source?: { data: string; steps?: number };
  /** HPT-BN: only BN γ/β of the backbone train (recommended for small targets) */
  bnOnly?: boolean;
  /** re-estimate BN statistics on the target before training (HPT's "base re-estimation") */
  reestimateBase?: boolean;
}

/** The default budget per stage (HPT: ~5k steps at batch 256, regardless of dataset size). */
export const HPT_STEPS = 5000;

/** Expands HPT options into stages in the order they run: [re-estimate] → [source] → target. */
export function planHpt(o: HptPlanOptions): HptStage[] {
  const training = o.bnOnly ? 'norm-only' : 'all';
  const stages: HptStage[] = [];
  if (o.reestimateBase) stages.push({ kind: 'bn-reestimate', name: 'base-bn-reestimate', data: o.target.data });
  if (o.source) stages.push({ kind: 'ssl', name: 'source', data: o.source.data, steps: o.source.steps ?? HPT_STEPS, backboneTraining: training });
  stages.push({ kind: 'ssl', name: 'target', data: o.target.data, steps: o.target.steps ?? HPT_STEPS, backboneTraining: training });
  for (const s of stages) if (s.kind === 'ssl' && !(Number.isInteger(s.steps) && s.steps > 0)) throw new Error(`HPT stage '${s.name}': steps must be a positive integer, got ${s.steps}`);
  return stages;
}

/** Runs one stage; the pipeline supplies it (it owns data, checkpoints and the method). */
export type StageRunner<R> = (stage: HptStage, index: number) => Promise<R>;

/** Result of running a plan: the results of the stages that ran, and whether it stopped early. */
export interface StagesResult<R> {
  results: Array<{ stage: HptStage; result: R }>;
  cancelled: boolean;
}

/**
 * Runs stages strictly in order, each continuing from the weights the previous one left.
 * Stops before the next stage when `signal` is aborted (a stage itself honours the signal).
 */
export async function runStages<R>(stages: HptStage[], run: StageRunner<R>, signal?: AbortSignal): Promise<StagesResult<R>> {
  const results: StagesResult<R>['results'] = [];
  for (let i = 0; i < stages.length; i++) {
    if (signal?.aborted) return { results, cancelled: true };
    results.push({ stage: stages[i], result: await run(stages[i], i) });
  }
  return { results, cancelled: Boolean(signal?.aborted) };
}

/** Linear-probe accuracy of a backbone's frozen features (BN eval mode) on labeled target data (asynchronous read-backs). */
export async function linearProbeScore(backbone: Backbone, params: Params, train: LabeledImages, val: LabeledImages, o: ProbeOptions = {}): Promise<number> {
  const ft = await extractFeatures(backbone, train, { params });
  const fv = await extractFeatures(backbone, val, { params });
  const fit = await linearProbe(ft, train.labels, fv, val.labels, train.numClasses, o);
  return fit.chosen.valAccuracy;
}

/** One candidate's outcome in source selection. */
export interface SourceScore<C> {
  candidate: C;
  score: number;
}

/**
 * HPT source selection: `evaluate` runs a short SSL from the base on one candidate source and
 * returns the linear-probe score on the labeled target data (e.g. with `linearProbeScore`);
 * candidates are tried one after the other (one GPU) and ranked best first. Ties keep the
 * given order. A candidate whose run throws is reported with score −∞ and its error.
 */
export async function selectSource<C>(
  candidates: C[],
  evaluate: (candidate: C) => Promise<number>,
  signal?: AbortSignal,
): Promise<{ best: C | undefined; ranking: Array<SourceScore<C> & { error?: string }> }> {
  if (candidates.length === 0) throw new Error('source selection: no candidate sources');
  const ranking: Array<SourceScore<C> & { error?: string }> = [];
  for (const candidate of candidates) {
    if (signal?.aborted) break;
    try {
      const score = await evaluate(candidate);
      if (!Number.isFinite(score)) throw new Error(`score is ${score}`);
      ranking.push({ candidate, score });
    } catch (e) {
      ranking.push({ candidate, score: -Infinity, error: e instanceof Error ? e.message : String(e) });
    }
  }
  ranking.sort((a, b) => b.score - a.score);
  const best = ranking.find((r) => Number.isFinite(r.score))?.candidate;
  return { best, ranking };
}
