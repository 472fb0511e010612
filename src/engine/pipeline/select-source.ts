/**
 * HPT source selection (Reed et al., sec. 4): from the same starting weights, a short SSL run
 * on each candidate source, then a linear probe of the frozen features on the labeled target
 * data; the candidate with the best probe is kept for the source stage. Deterministic for a
 * seed, so a run paused during selection repeats it identically on resume.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedStage } from '../../shared/schemas/run';
import { ShuffledSampler } from '../data/samplers';
import { linearProbeScore, selectSource } from '../adapt/hpt';
import { NamedOptimizer } from '../train/optimizers';
import { cosineSchedule } from '../train/schedules';
import { trainSsl } from '../train/train-ssl';
import { restoreInto, serializeMap } from '../train/tensor-state';
import { cacheImages, stepBatchSampler, viewsAugment } from './images';
import { SELECTION_FILE } from './data';
import { points, type StageContext } from './context';
import { methodForStage } from '../methods/registry';

type PretrainStage = Extract<ResolvedStage, { kind: 'pretrain' }>;

/**
 * Scores every candidate and makes the best one the run's source (`ctx.data.source`); writes
 * source-selection.json. Returns false when the signal stopped it (nothing is kept).
 */
export async function selectSourceCandidate(ctx: StageContext, stage: PretrainStage, seed: number): Promise<boolean> {
  const d = ctx.data;
  const { backbone } = ctx;
  const base = await serializeMap(backbone.params);
  const k = d.classNames.length;
  const train = cacheImages(d.labeled, d.train, k, d.mean, d.std);
  const val = d.val.length ? cacheImages(d.labeled, d.val, k, d.mean, d.std) : train;
  const steps = stage.selectionSteps ?? stage.steps;
  const augment = viewsAugment(stage.augmentation, ctx.config.data.size, d.mean, d.std);
  ctx.emit('log', { level: 'info', message: `source selection: ${d.sourceCandidates.length} candidates, ${steps} SSL steps each, then a linear probe` });
  const indices = d.sourceCandidates.map((_, i) => i);
  const { best, ranking } = await selectSource(indices, async (i) => {
    restoreInto(backbone.params, base, 'base weights');
    const cache = d.sourceCandidates[i];
    const method = methodForStage(stage, backbone, ctx.config.batchSize, seed + i);
    const optimizer = new NamedOptimizer({ kind: stage.optimizer, weightDecay: stage.weightDecay });
    try {
      const r = await trainSsl({
        method, optimizer, steps, seed: seed + i, accumulate: ctx.config.accumulate, logEvery: Math.max(steps, 1), signal: ctx.signal, augment,
        sampler: stepBatchSampler([cache], new ShuffledSampler(cache.count, Math.min(ctx.config.batchSize, cache.count), seed + i)),
        schedule: cosineSchedule({ base: stage.lr, totalSteps: steps }),
      });
      if (r.status === 'cancelled') throw new Error('cancelled');
    } finally {
      method.dispose();
      optimizer.dispose();
    }
    const score = await linearProbeScore(backbone, backbone.params, train, val, { epochs: 30 });
    ctx.emit('metrics', { points: points(ctx.stageIdx, i + 1, { source_selection_score: score }) });
    ctx.emit('log', { level: 'info', message: `source candidate ${i + 1}: linear-probe accuracy ${score.toFixed(4)}` });
    return score;
  }, ctx.signal);
  restoreInto(backbone.params, base, 'base weights');
  if (ctx.signal.aborted) return false;
  if (best === undefined) throw new Error(`source selection: every candidate failed (${ranking.map((r) => r.error).join('; ')})`);
  const file = join(ctx.runDir, SELECTION_FILE);
  writeFileSync(file, JSON.stringify({ chosen: best, steps, ranking: ranking.map((r) => ({ candidate: r.candidate, score: Number.isFinite(r.score) ? r.score : null, error: r.error ?? null })) }));
  ctx.emit('artifact', { kind: 'source-selection', path: file });
  ctx.emit('log', { level: 'info', message: `source selection kept candidate ${best + 1}` });
  d.source = d.sourceCandidates[best];
  return true;
}
