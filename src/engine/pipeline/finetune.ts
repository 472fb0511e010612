/**
 * The supervised stage of a run, written step by step so it resumes exactly: the batch of
 * step k is a seeded permutation of epoch ⌊k / stepsPerEpoch⌋, the learning rate a pure
 * function of k, and the head, backbone, optimiser state and the best validation point go
 * into every checkpoint. Steps come from the shared plan (src/shared/finetune-plan.ts); with
 * a validation split of ≥ 2 images per class the stage stops early and keeps its best step.
 * Modes (METHODS.md §1, §5): lp (head on frozen features, BN eval), ft (everything, one lr),
 * lp-ft (head first, then everything with BN in eval mode), freeze-unfreeze (Blog: head first,
 * then everything with BN in train mode), daft (BN conversion, zero head, two lrs).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedStage } from '../../shared/schemas/run';
import { linearHeadSpec, mlpHeadSpec } from '../models/heads';
import type { BnMode, HeadSpec } from '../models/types';
import { buildClassifier, classifierLogits, disposeSnapshot, restore, snapshot, type Classifier } from '../finetune/classifier';
import { balancedClassWeights } from '../finetune/class-weights';
import { convertBatchNorm } from '../adapt/bn-convert';
import { predictProbabilities } from '../eval/features';
import { evaluateClassifier } from '../eval/report';
import type { LabeledImages } from '../eval/images';
import { NamedOptimizer, type OptimizerState, type TrainableVar } from '../train/optimizers';
import { selectTrainable } from '../train/trainable';
import { cosineWithWarmup } from '../train/schedules';
import { SeededRandom } from '../train/seed';
import { mixup } from '../data/augment/mixup';
import { restoreInto } from '../train/tensor-state';
import { serializeMap } from '../train/tensor-state';
import { planFinetune, type FinetunePlan } from '../../shared/finetune-plan';
import type { DecodeCache } from '../data/cache-reader';
import { cacheImages, plainBatches } from './images';
import { forwardBatch, points, saveCheckpoint, type StageContext } from './context';

type FinetuneStage = Extract<ResolvedStage, { kind: 'finetune' }>;

/** The head layout of a stage. */
export function headSpecOf(stage: Pick<FinetuneStage, 'head'>, featureDim: number, classes: number): HeadSpec {
  return stage.head === 'linear' ? linearHeadSpec(featureDim, classes) : mlpHeadSpec([featureDim, Math.min(512, Math.max(64, featureDim)), classes], 'layer');
}

/** The stage's step plan on the prepared train split (the same function the estimate uses). */
export function finetunePlan(stage: FinetuneStage, trainN: number, runBatch: number): FinetunePlan {
  return planFinetune(stage, trainN, runBatch);
}

/** The batch positions (into the train set) of step k: epoch-seeded permutations, resumable from k. */
export function batchAt(step: number, n: number, batch: number, stepsPerEpoch: number, seed: number): number[] {
  const epoch = Math.floor(step / stepsPerEpoch);
  const perm = new SeededRandom((seed * 7919 + epoch * 104729 + 17) >>> 0).permutation(n);
  const start = (step % stepsPerEpoch) * batch;
  return perm.slice(start, start + batch);
}

/** Validation metrics of a classifier on a labeled set (BN eval mode, no bootstrap; read back asynchronously). */
export async function validationMetrics(c: Classifier, set: LabeledImages, negativeClass: number | undefined, batchSize: number): Promise<Record<string, number>> {
  const p = await predictProbabilities((x) => classifierLogits(c, x, 'eval'), set, { batchSize });
  const r = evaluateClassifier({ labels: set.labels, probs: p.plain, numClasses: set.numClasses }, { negativeClass, bootstrapResamples: 0 });
  return { val_loss: r.logLoss, val_accuracy: r.accuracy, val_f1: r.macroF1, val_auc: r.auc };
}

/** Fewest validation images per class for early stopping; below it the stage runs its fixed plan. */
export const EARLY_STOPPING_MIN_VAL_PER_CLASS = 2;

/** Whether a validation split is large enough to select the best step on (≥ 2 images per class). */
export function canStopEarly(valSize: number, numClasses: number): boolean {
  return valSize >= EARLY_STOPPING_MIN_VAL_PER_CLASS * numClasses;
}

/** The best validation point so far, kept across checkpoints. */
interface BestState {
  loss: number;
  step: number;
  /** validations since the best one */
  since: number;
}

/** The labeled images a stage trains on: the run's labeled split, or (pool: source) every source image with its class. */
interface TrainingPart {
  cache: DecodeCache;
  train: number[];
  val: number[];
  classNames: string[];
  negativeClass: number | undefined;
}

function trainingPart(d: StageContext['data'], stage: FinetuneStage): TrainingPart {
  if (stage.pool === 'labeled') return { cache: d.labeled, train: d.train, val: d.val, classNames: d.classNames, negativeClass: d.negativeClass };
  if (!d.source || !d.sourceClassNames) throw new Error(`stage "${stage.name}" trains on the labeled source images, but the run has no labeled data.source`);
  return { cache: d.source, train: Array.from({ length: d.source.count }, (_, i) => i), val: [], classNames: d.sourceClassNames, negativeClass: undefined };
}

/**
 * Runs (or continues) a fine-tune stage; returns the classifier and whether it finished. On the
 * labeled split the classifier is the run's (kept for evaluation); on the source (pool: source)
 * its head belongs to the source's classes, and the caller drops it once the stage is done.
 */
export async function runFinetune(ctx: StageContext, stage: FinetuneStage): Promise<{ status: 'done' | 'paused'; classifier: Classifier }> {
  const d = ctx.data;
  const part = trainingPart(d, stage);
  const k = part.classNames.length;
  const seed = ctx.config.seed * 1000 + ctx.stageIdx;
  // images are normalised with the run's (target) statistics in every stage, so the backbone sees one input scale
  const train = cacheImages(part.cache, part.train, k, d.mean, d.std, stage.augmentation);
  const val = part.val.length ? cacheImages(part.cache, part.val, k, d.mean, d.std) : null;
  const plan = finetunePlan(stage, train.size, ctx.config.batchSize);
  const early = !!val && canStopEarly(val.size, k);
  const classifier = buildClassifier(ctx.backbone, k, { spec: headSpecOf(stage, ctx.backbone.featureDim, k), prefix: 'head', init: stage.headInit, seed });
  let step = 0;
  let phase: 'head' | 'full' = plan.headSteps > 0 ? 'head' : 'full';
  let optimizer = new NamedOptimizer({ kind: stage.optimizer, weightDecay: stage.weightDecay });
  let best: BestState | null = null;
  let bestSnap: Map<string, tf.Tensor> | undefined;
  if (ctx.resume) {
    restoreInto(classifier.head, ctx.resume.groups.head ?? {}, 'checkpoint head');
    step = ctx.resume.meta.step;
    const s = ctx.resume.meta.state as { phase: 'head' | 'full'; optimizer: Omit<OptimizerState, 'slots'>; best?: BestState | null };
    phase = s.phase;
    optimizer.importState({ ...s.optimizer, slots: ctx.resume.groups.optimizer ?? {} });
    best = s.best ?? null;
    if (best && ctx.resume.groups.best) bestSnap = new Map(Object.entries(ctx.resume.groups.best).map(([name, t]) => [name, tf.tensor(t.data, t.shape, 'float32')]));
  } else if (stage.mode === 'daft' && ctx.backbone.bnLayers.length > 0) {
    const layers = await convertBatchNorm(ctx.backbone, ctx.backbone.params, plainBatches(train, 64));
    ctx.emit('log', { level: 'info', message: `DAFT: converted ${layers.length} BatchNorm layer(s) to the target statistics` });
  }
  if (!ctx.resume) {
    const stopping = early ? `early stopping on validation loss (patience ${stage.patience} checks of every ${plan.validateEvery} steps), best step restored` : `a fixed plan (${val ? `${val.size} validation images are too few to stop early on; ${EARLY_STOPPING_MIN_VAL_PER_CLASS} per class are needed` : 'no validation split to stop early on'})`;
    ctx.emit('log', { level: 'info', message: `${stage.pool === 'source' ? 'supervised pretraining' : 'fine-tune'}: ${plan.totalSteps} steps of batch ${plan.batch} on ${train.size} ${stage.pool === 'source' ? `source images of ${k} classes` : 'labeled images'} (${plan.stepsPerEpoch} per epoch${plan.headSteps > 0 && stage.mode !== 'lp' ? `, ${plan.headSteps} of them head only` : ''}); ${stopping}` });
  }
  ctx.emit('stage', { stageIdx: ctx.stageIdx, status: 'running', totalSteps: plan.totalSteps });
  const weights = stage.balance === 'class-weights' ? tf.tensor1d(balancedClassWeights(train.labels, k)) : null;
  const headVars = selectTrainable(classifier.head, classifier.headSpecs, { prefix: 'head/' });
  const backboneVars = selectTrainable(ctx.backbone.params, ctx.backbone.specs, { prefix: 'backbone/', lrScale: stage.lrScaled / stage.headLrScaled });
  const checkpoint = async (final: boolean): Promise<void> => {
    const { slots, ...optMeta } = await optimizer.exportState();
    // a source stage's final checkpoint keeps only the backbone: its head is not the run's classifier
    const groups = {
      ...(final && stage.pool === 'source' ? {} : { head: await serializeMap(classifier.head) }),
      ...(final ? {} : { optimizer: slots, ...(bestSnap ? { best: await serializeMap(bestSnap) } : {}) }),
    };
    await saveCheckpoint(ctx, step, final, groups, { phase, optimizer: optMeta, headSpec: classifier.headSpec, headPrefix: classifier.headPrefix, best: final ? null : best });
  };
  /** Validation after a step; true when patience has run out. */
  const validate = async (): Promise<boolean> => {
    const m = await validationMetrics(classifier, val!, part.negativeClass, forwardBatch(ctx.config));
    ctx.emit('metrics', { points: points(ctx.stageIdx, step, m) });
    // the best step is chosen in the last phase only (the head phase of freeze-unfreeze always runs)
    if (!early || (phase === 'head' && stage.mode !== 'lp')) return false;
    if (best === null || (Number.isFinite(m.val_loss) && m.val_loss < best.loss)) {
      best = { loss: m.val_loss, step, since: 0 };
      disposeSnapshot(bestSnap);
      bestSnap = snapshot(classifier);
      return false;
    }
    best.since++;
    return best.since >= stage.patience;
  };
  try {
    let stopped = false;
    while (step < plan.totalSteps && !stopped) {
      await new Promise<void>((r) => setImmediate(r)); // lets a pause or cancel message arrive
      if (ctx.signal.aborted) {
        await checkpoint(false);
        return { status: 'paused', classifier };
      }
      const nextPhase = step < plan.headSteps ? 'head' : 'full';
      if (nextPhase !== phase) {
        optimizer.dispose();
        optimizer = new NamedOptimizer({ kind: stage.optimizer, weightDecay: stage.weightDecay });
        phase = nextPhase;
      }
      const inPhase = phase === 'head' ? step : step - plan.headSteps;
      const phaseSteps = phase === 'head' ? plan.headSteps : plan.totalSteps - plan.headSteps;
      const lr = cosineWithWarmup(inPhase, { base: stage.headLrScaled, totalSteps: phaseSteps });
      const vars: TrainableVar[] = phase === 'head' ? headVars : [...headVars, ...backboneVars];
      const bnMode: BnMode = phase === 'head' || stage.mode === 'lp-ft' ? 'eval' : 'train';
      const pos = batchAt(step, train.size, plan.batch, plan.stepsPerEpoch, seed);
      const lossValue = trainStep(classifier, train, pos, vars, optimizer, lr, bnMode, weights, seed + step, stage.mixup);
      step++;
      if (step % ctx.config.logEvery === 0 || step === plan.totalSteps) {
        ctx.emit('metrics', { points: points(ctx.stageIdx, step, { train_loss: await lossValue(), lr: lr * (phase === 'full' ? stage.lrScaled / stage.headLrScaled : 1) }) });
        ctx.emit('progress', { stageIdx: ctx.stageIdx, step, totalSteps: plan.totalSteps });
      } else lossValue.dispose();
      if (val && (step % plan.validateEvery === 0 || step === plan.totalSteps)) stopped = await validate();
      if (stopped) ctx.emit('log', { level: 'info', message: `fine-tune: stopped early at step ${step}: validation loss has not improved for ${stage.patience} checks` });
      if (step % ctx.config.checkpointEvery === 0 && step < plan.totalSteps && !stopped) await checkpoint(false);
    }
    if (bestSnap && best && best.step !== step) {
      restore(classifier, bestSnap);
      ctx.emit('log', { level: 'info', message: `fine-tune: kept the weights of step ${best.step} (lowest validation loss, ${best.loss.toFixed(3)})` });
    }
    await checkpoint(true);
    return { status: 'done', classifier };
  } finally {
    optimizer.dispose();
    weights?.dispose();
    disposeSnapshot(bestSnap);
  }
}

/** A loss read-back that can also be dropped without reading. */
interface LossHandle {
  (): Promise<number>;
  dispose(): void;
}

/** One optimiser step of softmax cross-entropy (optionally class-weighted, optionally on a mixup of the batch). */
function trainStep(c: Classifier, train: LabeledImages, pos: number[], vars: TrainableVar[], opt: NamedOptimizer, lr: number, bnMode: BnMode, weights: tf.Tensor1D | null, seed: number, mixupAlpha: number): LossHandle {
  const byVar = new Map(vars.map((v) => [v.variable.name, v.name]));
  let x = train.batch(pos, { augment: true, seed });
  let y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(pos, (p) => train.labels[p]), 'int32'), c.numClasses), 'float32')) as tf.Tensor2D;
  if (mixupAlpha > 0) {
    const m = mixup(x, y, mixupAlpha, new SeededRandom(seed * 7 + 3));
    x.dispose();
    y.dispose();
    ({ x, y } = m);
  }
  const { value, grads } = tf.variableGrads(() => {
    const logits = classifierLogits(c, x, bnMode);
    const perSample = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1));
    if (!weights) return tf.mean(perSample) as tf.Scalar;
    const w = tf.sum(tf.mul(y, weights), 1);
    return tf.div(tf.sum(tf.mul(perSample, w)), tf.sum(w)) as tf.Scalar;
  }, vars.map((v) => v.variable));
  const named = new Map<string, tf.Tensor>();
  for (const [vn, g] of Object.entries(grads)) {
    const key = byVar.get(vn);
    if (key) named.set(key, g);
    else g.dispose();
  }
  opt.apply(vars, named, lr);
  for (const g of named.values()) g.dispose();
  x.dispose();
  y.dispose();
  const handle = (async () => {
    const v = (await value.data())[0];
    value.dispose();
    return v;
  }) as LossHandle;
  handle.dispose = () => value.dispose();
  return handle;
}
