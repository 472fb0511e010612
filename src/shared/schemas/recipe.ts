/**
 * Recipes as data: a preset (resources/recipes/<name>.yaml) declares a backbone, a batch size
 * and an ordered list of stages with the papers' defaults; a user's recipe file names a preset
 * and overrides what it needs (data, backbone, batch, seeds, per-stage settings). Every object
 * is strict, so an unknown key is refused with its path.
 */
import { z } from 'zod';
import * as L from './limits';
import { SSL_METHOD_NAMES } from '../ssl-methods';

/** The built-in recipe presets (METHODS.md). */
export const PRESET_NAMES = ['blog', 'hpt', 'hpt-bn', 'hpt-source', 'p2x', 'uft', 'daft', 'scratch', 'base', 'imagenet-ft', 'linear-probe'] as const;
export const PresetName = z.enum(PRESET_NAMES);
export type PresetName = z.infer<typeof PresetName>;

const PositiveInt = z.number().int().positive();

/** The self-supervised view pipelines a pretrain stage (and the Data view's preview) can use. */
export const AUGMENTATION_POLICIES = ['byol', 'moco-v2', 'crop-only', 'grey'] as const;
const Probability = z.number().min(0).max(1);

/** Which backbone, and where its starting weights come from. */
export const BackboneSpec = z
  .object({
    arch: z.string().min(1),
    /** null: random init (seeded); a path to a .safetensors / .npz / .h5 file; 'imagenet' names the arch's public weights */
    weights: z.string().min(1).nullable().default(null),
    /** architecture config overrides (widths, blocks ...) */
    config: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type BackboneSpec = z.infer<typeof BackboneSpec>;

/** An IDX pair (Fashion-MNIST and friends), optionally restricted to some class indices. */
export const IdxSource = z
  .object({
    images: z.string().min(1),
    labels: z.string().min(1),
    /** keep only these label indices (in this order they become classes 0..k-1) */
    classes: z.array(L.wholeNumber('an IDX class index', 0, L.MAX_CLASSES - 1)).min(2).max(L.MAX_CLASSES).optional(),
    /** names by original label index (default: Fashion-MNIST's when 10 classes, else the index) */
    classNames: z.array(z.string().max(L.MAX_NAME_LENGTH)).max(L.MAX_CLASSES).optional(),
    /** use only the first N images of the file (after the class filter) */
    limit: L.wholeNumber('the IDX image limit', 1, L.MAX_IMAGES).optional(),
  })
  .strict();
export type IdxSource = z.infer<typeof IdxSource>;

/** A set of images: an IDX pair, or a folder / CSV path. */
export const ImageSource = z.union([z.string().min(1), z.object({ idx: IdxSource }).strict()]);
export type ImageSource = z.infer<typeof ImageSource>;

/** Label budget: all labels, N per class, or a percentage of each class. */
export const LabelBudgetSpec = z.union([
  z.literal('all'),
  z.object({ perClass: L.wholeNumber('labels per class', 1, L.MAX_IMAGES) }).strict(),
  z.object({ percent: z.number().gt(0).max(100) }).strict(),
]);
export type LabelBudgetSpec = z.infer<typeof LabelBudgetSpec>;

/** Where the run's images come from and how they are split. */
export const DataSpec = z
  .object({
    /** labeled images (IDX, a class-folder tree, or a path,label[,split] CSV) */
    labeled: ImageSource.optional(),
    /** shorthand for `labeled: { idx: ... }` */
    idx: IdxSource.optional(),
    /** extra unlabeled target images, one set or a list of them, all used (the SSL stages also use the labeled train images without labels) */
    unlabeled: z.union([ImageSource, z.array(ImageSource).min(1).max(64)]).optional(),
    /** source / replay images (HPT source stage, UFT replay); a list = candidates for HPT source selection */
    source: z.union([ImageSource, z.array(ImageSource).min(2).max(8)]).optional(),
    /** a separate test set; otherwise a stratified test split of `labeled` */
    test: ImageSource.optional(),
    /** training resolution in pixels (square) */
    size: L.wholeNumber('the training resolution', 8, 1024).default(224),
    labelBudget: LabelBudgetSpec.default('all'),
    split: z.object({ val: z.number().min(0).max(0.5).default(0.1), test: z.number().min(0).max(0.5).default(0.2) }).strict().default({ val: 0.1, test: 0.2 }),
    /** seed of the split and label budget (kept fixed across the seeds of a group) */
    seed: L.wholeNumber('the data seed', 0, 2 ** 31 - 1).default(0),
    /** the negative class name: AUC becomes positive-vs-negative (Blog) */
    negativeClass: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!d.labeled && !d.idx) ctx.addIssue({ code: 'custom', path: ['labeled'], message: 'a labeled data set is required (data.labeled or data.idx)' });
    if (d.labeled && d.idx) ctx.addIssue({ code: 'custom', path: ['idx'], message: 'give data.labeled or data.idx, not both' });
  });
export type DataSpec = z.infer<typeof DataSpec>;

/** A self-supervised stage (target pretraining, or the HPT source stage). */
export const PretrainStageSpec = z
  .object({
    kind: z.literal('pretrain'),
    name: z.string().min(1),
    method: z.enum(SSL_METHOD_NAMES),
    /** 'target': unlabeled + labeled-train images; 'source': the source set */
    pool: z.enum(['target', 'source']).default('target'),
    /** optimiser steps (HPT: ~5k whatever the data size) */
    steps: L.wholeNumber('pretrain steps', 1, L.MAX_PRETRAIN_STEPS),
    /** 'epochs' instead of steps: resolved against the pool size */
    epochs: L.wholeNumber('pretrain epochs', 1, L.MAX_EPOCHS).optional(),
    /** learning rate at batch 256; scaled linearly to the batch */
    baseLr: L.positiveNumber('the pretrain learning rate (baseLr)', L.MAX_LR),
    optimizer: z.enum(['sgd', 'lars', 'adam', 'adamw']).default('sgd'),
    weightDecay: L.numberIn('pretrain weight decay', 0, L.MAX_WEIGHT_DECAY).default(1e-4),
    warmupSteps: L.wholeNumber('pretrain warm-up steps', 0, L.MAX_PRETRAIN_STEPS).default(0),
    augmentation: z.enum(AUGMENTATION_POLICIES),
    /** HPT-BN: only norm γ/β of the backbone train */
    backboneTraining: z.enum(['all', 'norm-only']).default('all'),
    /** norm inside projector/predictor: LayerNorm for small batches (Blog) */
    headNorm: z.enum(['batch', 'layer', 'none']).default('layer'),
    projectorHidden: L.wholeNumber('the projector width (projectorHidden)', 1, L.MAX_HEAD_WIDTH).optional(),
    projectorOut: L.wholeNumber('the projector output width (projectorOut)', 1, L.MAX_HEAD_WIDTH).default(128),
    /** BYOL τ_base, MoCo key momentum */
    momentum: z.number().min(0).max(1).optional(),
    /** MoCo / SimCLR / SwAV temperature */
    temperature: L.numberIn('the temperature', L.MIN_TEMPERATURE, L.MAX_TEMPERATURE).optional(),
    /** MoCo queue length K (a multiple of the batch) */
    queueSize: L.wholeNumber('the MoCo queue size', 1, L.MAX_QUEUE_SIZE).optional(),
    /** HPT source selection (several data.source candidates): SSL steps per candidate before the linear probe */
    selectionSteps: L.wholeNumber('source-selection steps', 1, L.MAX_PRETRAIN_STEPS).optional(),
    /** UFT sparse source replay: fraction of the source set mixed in */
    sourceReplay: z.number().gt(0).max(1).optional(),
    /** UFT: CutMix of the query views */
    cutmix: z.boolean().default(false),
    /** kNN monitor every this many steps on labeled val images (0: off) */
    knnEvery: L.wholeNumber('the kNN monitor interval (knnEvery)', 0, L.MAX_EVERY_STEPS).default(0),
  })
  .strict();
export type PretrainStageSpec = z.infer<typeof PretrainStageSpec>;

/** Weight surgery between stages (P2X fixes, BN re-estimation). DAFT's conversion is part of its fine-tune mode. */
export const AdaptStageSpec = z
  .object({
    kind: z.literal('adapt'),
    name: z.string().min(1),
    operations: z.array(z.enum(['dead-filters', 'weight-scaling', 'bn-reestimate'])).min(1),
    deadFilterThreshold: L.positiveNumber('the dead-filter threshold', L.MAX_DEAD_FILTER_THRESHOLD).default(0.1),
    scalingGranularity: z.enum(['layer', 'channel']).default('layer'),
  })
  .strict();
export type AdaptStageSpec = z.infer<typeof AdaptStageSpec>;

/** Supervised training: fine-tuning on the labeled train split, or supervised pretraining on a labeled source. */
export const FinetuneStageSpec = z
  .object({
    kind: z.literal('finetune'),
    name: z.string().min(1),
    mode: z.enum(['lp', 'ft', 'lp-ft', 'daft', 'freeze-unfreeze']),
    /**
     * 'labeled': the run's labeled train split (the classifier the run ends with); 'source': every
     * image of data.source with its class folder as the label, supervised pretraining of the
     * backbone (a base), whose head is dropped at the end of the stage
     */
    pool: z.enum(['labeled', 'source']).default('labeled'),
    /** passes over the labeled train split; stretched to at least `minSteps` optimiser steps */
    epochs: L.wholeNumber('fine-tune epochs', 1, L.MAX_EPOCHS),
    /** head-only epochs before unfreezing (freeze-unfreeze, lp-ft) */
    headEpochs: L.wholeNumber('head epochs', 0, L.MAX_EPOCHS).default(0),
    /** optimiser steps of the whole stage, instead of epochs and minSteps */
    steps: L.wholeNumber('fine-tune steps', 1, L.MAX_FINETUNE_STEPS).optional(),
    /** the fewest optimiser steps when planned from epochs (few labels still get trained) */
    minSteps: L.wholeNumber('the fewest fine-tune steps', 0, L.MAX_FINETUNE_STEPS).default(500),
    /** images per step; default: the run's batch, at most half the labeled train split */
    batchSize: L.wholeNumber('the fine-tune batch', 1, L.MAX_BATCH).optional(),
    /** training augmentation of the labeled images: random shifts (±1/8 of the size) and flips, flips only, or none */
    augmentation: z.enum(['shift-flip', 'flip', 'none']).default('shift-flip'),
    /** mixup α of the labeled batches (images and labels blended with λ ~ Beta(α, α)); 0: off */
    mixup: L.numberIn('the mixup α', 0, 4).default(0),
    /** validations without improvement before stopping early (only with a validation split of ≥ 2 images per class) */
    patience: L.wholeNumber('the early-stopping patience', 1, L.MAX_PATIENCE).default(6),
    /** backbone lr (η_θ) at the preset's batch size; scaled linearly to the run's batch */
    lr: L.positiveNumber('the fine-tune learning rate', L.MAX_LR),
    /** head lr (η_w) at the preset's batch size; scaled linearly to the run's batch */
    headLr: L.positiveNumber('the head learning rate', L.MAX_LR),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    weightDecay: L.numberIn('the fine-tune weight decay', 0, L.MAX_WEIGHT_DECAY).default(1e-4),
    /** head: linear, or an MLP with LayerNorm (Blog) */
    head: z.enum(['linear', 'mlp-layernorm']).default('linear'),
    headInit: z.enum(['random', 'zero']).default('random'),
    balance: z.enum(['none', 'class-weights']).default('none'),
    /** cap of optimiser steps per epoch (quick runs) */
    maxStepsPerEpoch: L.wholeNumber('the steps per epoch cap', 1, L.MAX_FINETUNE_STEPS).optional(),
  })
  .strict();
export type FinetuneStageSpec = z.infer<typeof FinetuneStageSpec>;

/** Final evaluation on the test split. */
export const EvaluateStageSpec = z
  .object({
    kind: z.literal('evaluate'),
    name: z.string().min(1),
    tta: z.boolean().default(true),
    bootstrapResamples: L.wholeNumber('bootstrap resamples', 0, L.MAX_BOOTSTRAP).default(200),
    /**
     * A fixed linear probe of the representation the run built, reported beside the classifier:
     * logistic regression on the frozen backbone's pooled features of the labeled train images,
     * taken just before the last fine-tune stage changes the backbone, scored on the test split.
     * Its settings are fixed (no selection on validation or test). null: no probe.
     */
    linearProbe: z
      .object({
        epochs: L.wholeNumber('linear-probe epochs', 1, L.MAX_EPOCHS).default(200),
        lr: L.positiveNumber('the linear-probe learning rate', L.MAX_LR).default(0.1),
        weightDecay: L.numberIn('the linear-probe weight decay', 0, L.MAX_WEIGHT_DECAY).default(1e-3),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();
export type EvaluateStageSpec = z.infer<typeof EvaluateStageSpec>;

/** Any stage a preset declares. */
export const StageSpec = z.discriminatedUnion('kind', [PretrainStageSpec, AdaptStageSpec, FinetuneStageSpec, EvaluateStageSpec]);
export type StageSpec = z.infer<typeof StageSpec>;

/** A preset file in resources/recipes. */
export const RecipePreset = z
  .object({
    name: PresetName,
    title: z.string(),
    description: z.string(),
    /** the seed paper(s) the defaults come from */
    paper: z.string(),
    backbone: BackboneSpec,
    /** the batch the defaults are written for; lrs are scaled from 256 to the user's batch */
    batchSize: PositiveInt,
    stages: z.array(StageSpec).min(1),
  })
  .strict();
export type RecipePreset = z.infer<typeof RecipePreset>;

/** Per-stage overrides in a user's recipe: any field but kind and name. */
export const StageOverride = z.union([
  PretrainStageSpec.omit({ kind: true, name: true }).partial().strict(),
  AdaptStageSpec.omit({ kind: true, name: true }).partial().strict(),
  FinetuneStageSpec.omit({ kind: true, name: true }).partial().strict(),
  EvaluateStageSpec.omit({ kind: true, name: true }).partial().strict(),
]);

/** A user's recipe file (YAML), validated before anything runs. */
export const RecipeFile = z
  .object({
    /** name of the run (group) */
    name: z.string().trim().min(1).max(200),
    /** the preset it starts from */
    recipe: PresetName,
    backbone: z.object({ arch: z.string().min(1), weights: z.string().min(1).nullable(), config: z.record(z.string(), z.unknown()) }).partial().strict().optional(),
    data: DataSpec,
    batchSize: L.wholeNumber('the batch', 1, L.MAX_BATCH).optional(),
    /** micro-batches per optimiser step */
    accumulate: L.wholeNumber('accumulate', 1, L.MAX_ACCUMULATE).default(1),
    /** one run per seed, in one group */
    seeds: z.array(z.number().int().min(0)).min(1).max(20).default([0]),
    /** overrides keyed by stage name (e.g. pretrain, finetune); checked against the preset's stage kinds */
    stages: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** optimiser steps between checkpoints inside a stage (every stage end is checkpointed too) */
    checkpointEvery: L.wholeNumber('checkpointEvery', 1, L.MAX_EVERY_STEPS).default(200),
    /** metrics every this many steps */
    logEvery: L.wholeNumber('logEvery', 1, L.MAX_EVERY_STEPS).default(10),
  })
  .strict();
export type RecipeFile = z.infer<typeof RecipeFile>;
export type RecipeFileInput = z.input<typeof RecipeFile>;
