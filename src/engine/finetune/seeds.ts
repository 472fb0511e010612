/**
 * Repeated runs with different seeds (the Blog's to-do; DAFT reports the mean of 3 runs): one
 * fine-tuning per seed, then mean ± sample standard deviation of each final metric.
 */
import type { EvalReport } from '../eval/report';
import { aggregateRuns, type Aggregate } from '../eval/stats';
import { finetune } from './finetune';
import type { FinetuneConfig, FinetuneHooks, FinetuneResult } from './types';

/** The final metrics of one run as a flat record ('tta.' prefix for the flip-TTA report). */
export function runMetrics(r: FinetuneResult): Record<string, number> {
  const pick = (e: EvalReport, prefix: string): Record<string, number> => ({
    [`${prefix}accuracy`]: e.accuracy,
    [`${prefix}balancedAccuracy`]: e.balancedAccuracy,
    [`${prefix}macroF1`]: e.macroF1,
    [`${prefix}auc`]: e.auc,
    [`${prefix}logLoss`]: e.logLoss,
  });
  return { ...pick(r.evaluation.plain, ''), ...(r.evaluation.flip ? pick(r.evaluation.flip, 'tta.') : {}) };
}

/** A run group: every seed's result and the aggregate (sample std) of each metric. */
export interface SeedGroup {
  runs: Array<{ seed: number; result: FinetuneResult; metrics: Record<string, number> }>;
  summary: Record<string, Aggregate>;
}

/**
 * Runs `makeConfig(seed)` for each seed, one after another (each config should bring a fresh
 * copy of the backbone, since fine-tuning updates it in place). A cancelled run ends the group.
 */
export async function finetuneSeeds(seeds: number[], makeConfig: (seed: number) => FinetuneConfig, hooks: (seed: number) => FinetuneHooks = () => ({})): Promise<SeedGroup> {
  if (seeds.length === 0) throw new Error('finetuneSeeds: no seeds given');
  if (new Set(seeds).size !== seeds.length) throw new Error(`finetuneSeeds: seeds repeat (${seeds.join(', ')})`);
  const runs: SeedGroup['runs'] = [];
  for (const seed of seeds) {
    const result = await finetune({ ...makeConfig(seed), seed }, hooks(seed));
    runs.push({ seed, result, metrics: runMetrics(result) });
    if (result.stopReason === 'cancelled') break;
  }
  return { runs, summary: aggregateRuns(runs.map((r) => r.metrics)) };
}
