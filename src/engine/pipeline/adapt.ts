/**
 * The adapt stage: weight surgery on the backbone between stages. P2X's dead-filter copy and
 * weight scaling (in that order, as the paper does), and BN re-estimation on the target.
 */
import type { ResolvedStage } from '../../shared/schemas/run';
import { replaceDeadFilters } from '../adapt/dead-filters';
import { scaleWeights } from '../adapt/weight-scaling';
import { reestimateBnStatistics } from '../adapt/bn-reestimate';
import { cacheImages, plainBatches } from './images';
import { points, saveCheckpoint, type StageContext } from './context';

type AdaptStage = Extract<ResolvedStage, { kind: 'adapt' }>;

/** Applies the stage's operations in order, logging what each changed; checkpoints at the end. */
export async function runAdapt(ctx: StageContext, stage: AdaptStage): Promise<void> {
  const { backbone } = ctx;
  let done = 0;
  for (const op of stage.operations) {
    if (op === 'dead-filters') {
      const report = await replaceDeadFilters(backbone, backbone.params, { threshold: stage.deadFilterThreshold, seed: ctx.config.seed });
      const replaced = report.reduce((s, r) => s + r.copies.length, 0);
      ctx.emit('log', { level: 'info', message: `dead filters: ${replaced} replaced over ${report.length} layer(s)` });
      ctx.emit('metrics', { points: points(ctx.stageIdx, done + 1, { dead_filters_replaced: replaced }) });
    } else if (op === 'weight-scaling') {
      const scaled = await scaleWeights(backbone, backbone.params, { granularity: stage.scalingGranularity });
      ctx.emit('log', { level: 'info', message: `weight scaling: ${scaled.length} conv→BN pair(s) scaled` });
      ctx.emit('metrics', { points: points(ctx.stageIdx, done + 1, { layers_scaled: scaled.length }) });
    } else {
      const d = ctx.data;
      const set = cacheImages(d.labeled, d.train, d.classNames.length, d.mean, d.std);
      const n = await reestimateBnStatistics(backbone, backbone.params, plainBatches(set, ctx.config.batchSize));
      ctx.emit('log', { level: 'info', message: `BN statistics re-estimated for ${n} layer(s)` });
    }
    done++;
    ctx.emit('progress', { stageIdx: ctx.stageIdx, step: done, totalSteps: stage.operations.length });
  }
  await saveCheckpoint(ctx, done, true, {}, {});
}
