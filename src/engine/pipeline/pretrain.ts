/**
 * A self-supervised stage: builds the method named by the stage (BYOL, MoCo v2 / UFT, SimCLR,
 * SwAV) over the run's backbone and runs `trainSsl` with a step-indexed sampler, so a pause or
 * a crash continues from the last checkpoint with the same batches, views and schedule.
 */
import type { ResolvedStage } from '../../shared/schemas/run';
import type { MethodState } from '../methods/method';
import { methodForStage } from '../methods/registry';
import { ShuffledSampler, replaySubset, type Sampler } from '../data/samplers';
import { NamedOptimizer, type OptimizerState } from '../train/optimizers';
import { cosineSchedule } from '../train/schedules';
import { trainSsl, type TrainState } from '../train/train-ssl';
import { cacheImages, mappedSampler, stepBatchSampler, viewsAugment } from './images';
import type { LabeledSet } from '../train/knn-monitor';
import { readSelection } from './data';
import { selectSourceCandidate } from './select-source';
import { points, saveCheckpoint, type StageContext } from './context';

type PretrainStage = Extract<ResolvedStage, { kind: 'pretrain' }>;

/**
 * The batches of the stage: target pool (labeled train split + unlabeled images), the source
 * set, or the target with sparse source replay. Global indices run over [labeled, unlabeled, source].
 */
function stageSampler(ctx: StageContext, stage: PretrainStage, seed: number): { sampler: Sampler; caches: ReturnType<typeof cachesOf> } {
  const d = ctx.data;
  const caches = cachesOf(ctx);
  const batch = ctx.config.batchSize;
  const unlabeledOffset = d.labeled.count;
  const sourceOffset = unlabeledOffset + (d.unlabeled?.count ?? 0);
  // every training-split image (with or without a kept label) is unlabeled data for SSL
  const pool = [...trainSplitAll(ctx), ...Array.from({ length: d.unlabeled?.count ?? 0 }, (_, i) => unlabeledOffset + i)];
  if (stage.pool === 'source') {
    if (!d.source) throw new Error(`stage "${stage.name}" needs source images (data.source)`);
    return { sampler: mappedSampler(new ShuffledSampler(d.source.count, batch, seed), (i) => sourceOffset + i), caches };
  }
  if (stage.sourceReplay) {
    // UFT's sparse source replay: a fixed random fraction of the source joins the target pool
    if (!d.source) throw new Error(`stage "${stage.name}" replays source images but the run has no data.source`);
    for (const k of replaySubset(d.source.count, stage.sourceReplay, seed)) pool.push(sourceOffset + k);
  }
  return { sampler: mappedSampler(new ShuffledSampler(pool.length, batch, seed), (i) => pool[i]), caches };
}

function cachesOf(ctx: StageContext) {
  const d = ctx.data;
  return [d.labeled, ...(d.unlabeled ? [d.unlabeled] : []), ...(d.source ? [d.source] : [])];
}

/** Indices (into the labeled cache) of the whole training split, labels kept or not. */
function trainSplitAll(ctx: StageContext): number[] {
  const d = ctx.data;
  const notTrain = new Set([...d.val, ...(d.testCache === d.labeled ? d.test : [])]);
  return Array.from({ length: d.labeled.count }, (_, i) => i).filter((i) => !notTrain.has(i));
}

/** The kNN monitor's labeled images (train + val, at most 256), when the stage asks for it. */
function knnSet(ctx: StageContext, stage: PretrainStage): { set: LabeledSet; every: number } | null {
  if (!stage.knnEvery) return null;
  const d = ctx.data;
  const indices = [...d.train, ...d.val].slice(0, 256);
  if (indices.length < 4) {
    ctx.emit('log', { level: 'warn', message: `kNN monitor off: it needs at least 4 labeled images, the run has ${indices.length}` });
    return null;
  }
  const images = cacheImages(d.labeled, indices, d.classNames.length, d.mean, d.std);
  const every = Math.ceil(stage.knnEvery / ctx.config.logEvery) * ctx.config.logEvery;
  return { set: { images: images.batch(indices.map((_, i) => i)), labels: images.labels }, every };
}

/** Runs (or continues) a pretrain stage; 'paused' when the signal stopped it. */
export async function runPretrain(ctx: StageContext, stage: PretrainStage): Promise<'done' | 'paused'> {
  const seed = ctx.config.seed * 1000 + ctx.stageIdx;
  if (stage.pool === 'source' && ctx.data.sourceCandidates.length > 1 && !ctx.resume && readSelection(ctx.runDir) === null) {
    if (!(await selectSourceCandidate(ctx, stage, seed))) return 'paused';
  }
  const method = methodForStage(stage, ctx.backbone, ctx.config.batchSize, seed);
  const optimizer = new NamedOptimizer({ kind: stage.optimizer, weightDecay: stage.weightDecay });
  const { sampler, caches } = stageSampler(ctx, stage, seed);
  const batches = stepBatchSampler(caches, sampler);
  const augment = viewsAugment(stage.augmentation, ctx.config.data.size, ctx.data.mean, ctx.data.std);
  const schedule = cosineSchedule({ base: stage.lr, totalSteps: stage.totalSteps, warmupSteps: Math.min(stage.warmupSteps, Math.floor(stage.totalSteps / 2)) });
  let resume: TrainState | undefined;
  if (ctx.resume) {
    const s = ctx.resume.meta.state as { method: Omit<MethodState, 'tensors'>; optimizer: Omit<OptimizerState, 'slots'>; rng: number; sampler: unknown; totalSteps: number };
    resume = {
      version: 1, step: ctx.resume.meta.step, totalSteps: s.totalSteps, rng: s.rng, sampler: s.sampler,
      method: { ...s.method, tensors: ctx.resume.groups.method ?? {} },
      optimizer: { ...s.optimizer, slots: ctx.resume.groups.optimizer ?? {} },
    };
  }
  const knn = knnSet(ctx, stage);
  try {
    const result = await trainSsl({
      ...(knn ? { knn: { set: knn.set, every: knn.every } } : {}),
      method, sampler: batches, augment, steps: stage.totalSteps, optimizer, schedule, accumulate: ctx.config.accumulate, seed,
      logEvery: ctx.config.logEvery, checkpointEvery: ctx.config.checkpointEvery, signal: ctx.signal, resume,
      onMetrics: (m) => {
        ctx.emit('metrics', { points: points(ctx.stageIdx, m.step, { ssl_loss: m.loss, lr: m.lr, embedding_std: m.embeddingStd, embedding_spread: m.embeddingSpread, images_per_second: m.imagesPerSecond, knn_accuracy: m.knnAccuracy }) });
        ctx.emit('progress', { stageIdx: ctx.stageIdx, step: m.step, totalSteps: stage.totalSteps });
        if (m.collapsed) ctx.emit('log', { level: 'warn', message: `step ${m.step}: the embedding looks collapsed (spread ${m.embeddingSpread.toFixed(3)})` });
      },
      onCheckpoint: async (state) => {
        if (state.step >= state.totalSteps) return;
        const { tensors: methodTensors, ...methodMeta } = state.method;
        const { slots, ...optMeta } = state.optimizer;
        await saveCheckpoint(ctx, state.step, false, { method: methodTensors, optimizer: slots }, {
          method: methodMeta, optimizer: optMeta, rng: state.rng, sampler: state.sampler, totalSteps: state.totalSteps,
        });
      },
    });
    if (result.status === 'cancelled') return 'paused';
    await saveCheckpoint(ctx, result.steps, true, {}, { method: stage.method });
    return 'done';
  } finally {
    knn?.set.images.dispose();
    method.dispose();
    optimizer.dispose();
  }
}
