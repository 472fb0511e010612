/**
 * Hierarchical PreTraining (Reed et al., "Self-Supervised Pretraining Improves
 * Self-Supervised Pretraining", WACV 2022): the helpers of its source selection, which runs a
 * short SSL per candidate source and keeps the one whose linear probe on the labeled target
 * data is best. The stages themselves (base → source → target, HPT-BN) are recipe stages of
 * the run pipeline (resources/recipes/hpt*.yaml).
 */
import type { Backbone, Params } from '../models/types';
import { extractFeatures } from '../eval/features';
import type { LabeledImages } from '../eval/images';
import { linearProbe, type ProbeOptions } from '../eval/linear-probe';

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
