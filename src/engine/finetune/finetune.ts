/**
 * The fine-tuning entry: `finetune({mode, backbone, head, data, ...}, hooks)` runs LP, FT,
 * LP-FT, DAFT or the Blog's freeze → unfreeze schedule, reports metrics per epoch, honours
 * cancellation, keeps the best validation epoch, and ends with an evaluation with and
 * without flip TTA. See `types.ts` for the modes and defaults.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { convertBatchNorm } from '../adapt/bn-convert';
import { registerGradients } from '../backend';
import { selectTrainable } from '../train/trainable';
import { SeededRandom } from '../train/seed';
import type { OptimizerConfig } from '../train/optimizers';
import { extractFeatures } from '../eval/features';
import { indexBatches, type LabeledImages } from '../eval/images';
import { linearProbe, probeProbabilities, type ProbeFit } from '../eval/linear-probe';
import { logLoss } from '../eval/metrics';
import { evaluateWithTta } from '../eval/tta';
import { buildClassifier, classifierLogits, disposeSnapshot, restore, setHeadFromProbe, snapshot, type Classifier } from './classifier';
import { BestTracker } from './early-stopping';
import { captureBaseline, finishDistortion, type DistortionBaseline } from './diagnostics';
import { disposeParams } from '../models/registry';
import { balancedClassWeights } from './sampling';
import { runStage, validate, type ParamGroup, type StageRunContext } from './stage';
import type { EpochMetrics, FinetuneConfig, FinetuneHooks, FinetuneMode, FinetuneResult, StopReason } from './types';

const MODES: FinetuneMode[] = ['lp', 'ft', 'lp-ft', 'daft', 'freeze-unfreeze'];

/** Default learning rates per mode: [backbone or only lr, head lr]. */
const DEFAULT_LR: Record<FinetuneMode, [number, number]> = {
  lp: [0, 0],
  ft: [0.01, 0.01],
  'lp-ft': [0.001, 0.001],
  daft: [0.01, 1.0],
  'freeze-unfreeze': [0.01, 0.1],
};

function checkConfig(c: FinetuneConfig): void {
  if (!MODES.includes(c.mode)) throw new Error(`finetune: mode "${String(c.mode)}" is not one of ${MODES.join(', ')}`);
  const { train, val } = c.data ?? {};
  if (!train || train.size < 1) throw new Error('finetune: data.train is empty');
  if (!val || val.size < 1) throw new Error('finetune: data.val is empty (early stopping and probe selection need it)');
  for (const [name, set] of [['val', val], ['test', c.data.test]] as const) {
    if (set && set.numClasses !== train.numClasses) throw new Error(`finetune: data.${name} has ${set.numClasses} classes, data.train ${train.numClasses}`);
  }
  for (const key of ['epochs', 'headEpochs', 'batchSize'] as const) {
    const v = c[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`finetune: ${key} must be a positive integer, got ${v}`);
  }
  for (const key of ['lr', 'headLr'] as const) {
    const v = c[key];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new Error(`finetune: ${key} must be a finite number ≥ 0, got ${v}`);
  }
  if (c.negativeClass !== undefined && !(Number.isInteger(c.negativeClass) && c.negativeClass >= 0 && c.negativeClass < train.numClasses)) {
    throw new Error(`finetune: negativeClass ${c.negativeClass} is not a class in [0, ${train.numClasses})`);
  }
}

/** Stage one of LP and LP-FT: features extracted once (BN eval), probe sweep, head set from it. */
async function probeStage(cls: Classifier, c: FinetuneConfig, ctx: StageRunContext): Promise<ProbeFit> {
  const bs = ctx.batchSize;
  const trainF = await extractFeatures(cls.backbone, c.data.train, { batchSize: bs });
  const valF = await extractFeatures(cls.backbone, c.data.val, { batchSize: bs });
  const fit = await linearProbe(trainF, c.data.train.labels, valF, c.data.val.labels, c.data.train.numClasses, {
    seed: c.seed ?? 0,
    // the probe sees every feature once: a balanced sampler becomes the equivalent class weights
    ...(ctx.classWeights || ctx.sampler === 'balanced' ? { classWeights: ctx.classWeights ?? balancedClassWeights(c.data.train.labels, cls.numClasses) } : {}),
    ...c.probe,
  });
  setHeadFromProbe(cls, fit);
  const trainLoss = logLoss({ labels: c.data.train.labels, probs: await probeProbabilities(fit, trainF), numClasses: cls.numClasses });
  const m: EpochMetrics = {
    stage: 'probe', epoch: 0, globalEpoch: ctx.history.length, trainLoss,
    ...(await validate(cls, c.data.val, bs, c.negativeClass)), lr: fit.chosen.lr,
  };
  ctx.history.push(m);
  if (ctx.best.tracker.update(m)) {
    disposeSnapshot(ctx.best.snap);
    ctx.best.snap = snapshot(cls);
  }
  ctx.hooks.onEpoch?.(m);
  return fit;
}

/** Batches of the training images without augmentation, each disposed once consumed. */
function* plainBatches(data: LabeledImages, batchSize: number): Generator<tf.Tensor4D> {
  for (const idx of indexBatches(data.size, batchSize)) {
    const x = data.batch(idx);
    try {
      yield x;
    } finally {
      x.dispose();
    }
  }
}

/** Runs one fine-tuning procedure; the backbone's parameters are updated in place. */
export async function finetune(config: FinetuneConfig, hooks: FinetuneHooks = {}): Promise<FinetuneResult> {
  checkConfig(config);
  await registerGradients();
  const c = config;
  const mode = c.mode;
  const { train, val } = c.data;
  const seed = c.seed ?? 0;
  const [lr, headLr] = [c.lr ?? DEFAULT_LR[mode][0], c.headLr ?? DEFAULT_LR[mode][1]];
  const optimizer: OptimizerConfig = c.optimizer ?? { kind: 'sgd', momentum: 0.9, weightDecay: mode === 'daft' ? 0 : 1e-4 };
  const early = c.earlyStopping === false ? undefined : (c.earlyStopping ?? { metric: 'valLoss' as const, patience: 5 });
  const monitor = early?.metric ?? 'valLoss';
  const balance = c.balance ?? 'none';
  const cls = buildClassifier(c.backbone, train.numClasses, { spec: c.head?.spec, prefix: c.head?.prefix, init: mode === 'daft' ? 'zero' : 'random', seed });
  const ctx: StageRunContext = {
    classifier: cls, train, val,
    batchSize: c.batchSize ?? 64,
    optimizer,
    schedule: c.schedule ?? 'cosine',
    warmupEpochs: c.warmupEpochs ?? 0,
    ...(balance === 'class-weights' ? { classWeights: balancedClassWeights(train.labels, train.numClasses) } : {}),
    sampler: balance === 'sampler' ? 'balanced' : 'shuffle',
    augment: c.augment ?? true,
    ...(c.bnMomentum !== undefined ? { bnMomentum: c.bnMomentum } : {}),
    ...(c.maxStepsPerEpoch !== undefined ? { maxStepsPerEpoch: c.maxStepsPerEpoch } : {}),
    ...(c.negativeClass !== undefined ? { negativeClass: c.negativeClass } : {}),
    ...(early ? { earlyStopping: early } : {}),
    monitor,
    rng: new SeededRandom(seed),
    hooks,
    history: [],
    best: { tracker: new BestTracker(monitor) },
  };
  const backboneVars = () => selectTrainable(cls.backbone.params, cls.backbone.specs, { prefix: 'backbone.' });
  const headVars = () => selectTrainable(cls.head, cls.headSpecs, { prefix: 'head.' });
  const epochs = c.epochs ?? 20;
  let stopReason: StopReason = 'completed';
  let probe: ProbeFit | undefined;
  let bnConversion: FinetuneResult['bnConversion'];
  const evalSet = c.data.test ?? val;
  let baseline: DistortionBaseline | undefined;
  try {
    if (c.diagnostics) baseline = await captureBaseline(cls.backbone, evalSet, ctx.batchSize);
    if (mode === 'lp' || mode === 'lp-ft') {
      if (hooks.signal?.aborted) stopReason = 'cancelled';
      else probe = await probeStage(cls, c, ctx);
    }
    if (mode === 'daft' && !hooks.signal?.aborted) bnConversion = await convertBatchNorm(cls.backbone, cls.backbone.params, plainBatches(train, ctx.batchSize));
    if (mode === 'freeze-unfreeze' && !hooks.signal?.aborted) {
      stopReason = await runStage(ctx, { name: 'head', epochs: c.headEpochs ?? 5, groups: [{ vars: headVars(), lr: headLr }], bnMode: 'eval', frozenBackbone: true });
    }
    if (hooks.signal?.aborted) stopReason = 'cancelled';
    else if (mode !== 'lp' && stopReason !== 'diverged') {
      const groups: ParamGroup[] = mode === 'daft'
        ? [{ vars: backboneVars(), lr }, { vars: headVars(), lr: headLr }]
        : [{ vars: [...backboneVars(), ...headVars()], lr }];
      // LP-FT keeps BN statistics frozen (eval mode); the others train BN
      stopReason = await runStage(ctx, { name: 'finetune', epochs, groups, bnMode: mode === 'lp-ft' ? 'eval' : 'train', frozenBackbone: false });
    }
    if (ctx.best.snap && ((c.restoreBest ?? true) || stopReason === 'diverged')) restore(cls, ctx.best.snap);
    else if (stopReason === 'diverged') {
      throw new Error(`finetune (${mode}): training diverged (loss or outputs became NaN/Infinity) before any valid epoch; lower the learning rate`);
    }
  } catch (err) {
    disposeParams(cls.head);
    if (baseline) disposeParams(baseline.params);
    throw err;
  } finally {
    disposeSnapshot(ctx.best.snap);
  }
  const distortion = baseline ? await finishDistortion(baseline, cls.backbone, evalSet, ctx.batchSize) : undefined;
  const evaluation = await evaluateWithTta((x) => classifierLogits(cls, x, 'eval'), evalSet, {
    tta: c.tta ?? true,
    batchSize: ctx.batchSize,
    bootstrapResamples: c.bootstrapResamples ?? 1000,
    bootstrapSeed: seed,
    ...(c.negativeClass !== undefined ? { negativeClass: c.negativeClass } : {}),
  });
  return {
    mode,
    head: { spec: cls.headSpec, prefix: cls.headPrefix, params: cls.head },
    history: ctx.history,
    bestEpoch: ctx.best.tracker.bestEpoch,
    stopReason,
    ...(probe ? { probe } : {}),
    ...(bnConversion ? { bnConversion } : {}),
    ...(distortion ? { distortion } : {}),
    evaluation,
    evaluatedOn: c.data.test ? 'test' : 'val',
  };
}
