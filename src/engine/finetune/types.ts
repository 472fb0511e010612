/**
 * The fine-tuning entry's configuration, callbacks and result. Modes (METHODS.md §1, §5):
 * - 'lp': linear probe on frozen features (features extracted once, lr × L2 sweep on val);
 * - 'ft': random head, one learning rate for everything, BN in train mode;
 * - 'lp-ft': probe head first, then a full fine-tune with BN in eval mode and a small lr;
 * - 'daft': BN conversion, zero head, separate backbone and head lrs, BN in train mode;
 * - 'freeze-unfreeze' (Blog): head only on a frozen backbone, then everything unfrozen.
 */
import type { Backbone, HeadSpec, Params } from '../models/types';
import type { OptimizerConfig } from '../train/optimizers';
import type { LabeledImages } from '../eval/images';
import type { ProbeFit, ProbeOptions } from '../eval/linear-probe';
import type { TtaReports } from '../eval/tta';
import type { BnConversionLayer } from '../adapt/bn-convert';
import type { DistortionReport } from './diagnostics';

/** Fine-tuning procedure. */
export type FinetuneMode = 'lp' | 'ft' | 'lp-ft' | 'daft' | 'freeze-unfreeze';

/** Validation metric that early stopping and best-epoch selection watch. */
export type MonitorMetric = 'valLoss' | 'valAccuracy' | 'valF1' | 'valAuc';

/** How unbalanced classes are handled. */
export type Balancing = 'none' | 'class-weights' | 'sampler';

/** Early-stopping settings. */
export interface EarlyStopping {
  metric: MonitorMetric;
  /** epochs without improvement before stopping */
  patience: number;
  /** smallest change that counts as an improvement (default 0) */
  minDelta?: number;
}

/** Everything `finetune` needs. Defaults in brackets. */
export interface FinetuneConfig {
  mode: FinetuneMode;
  /** trained in place (its params are the ones updated); copy them first to keep the original */
  backbone: Backbone;
  /** head layout and variable prefix [linear featureDim → classes, prefix 'fc'] */
  head?: { spec?: HeadSpec; prefix?: string };
  data: { train: LabeledImages; val: LabeledImages; test?: LabeledImages };
  /** epochs of the (last) gradient stage [20] */
  epochs?: number;
  /** epochs of the head-only stage of 'freeze-unfreeze' [5] */
  headEpochs?: number;
  batchSize?: number;
  seed?: number;
  /** optimiser [SGD, momentum 0.9, weight decay 1e-4 (0 for DAFT)] */
  optimizer?: OptimizerConfig;
  /** FT: the one lr [0.01]; LP-FT: fine-tune lr [0.001]; DAFT: backbone lr η_θ [0.01]; freeze-unfreeze: unfrozen stage lr [0.01] */
  lr?: number;
  /** DAFT: head lr η_w [1.0]; freeze-unfreeze: head-only stage lr [0.1] */
  headLr?: number;
  /** cosine decay per stage, or constant ['cosine'] */
  schedule?: 'cosine' | 'constant';
  warmupEpochs?: number;
  /** linear-probe sweep ('lp', and stage one of 'lp-ft') */
  probe?: ProbeOptions;
  /** [valLoss, patience 5]; false disables it */
  earlyStopping?: EarlyStopping | false;
  /** keep the weights of the best validation epoch at the end [true] */
  restoreBest?: boolean;
  /** class-weighted loss, or a class-balanced sampler (the LP probe uses the equivalent class weights) ['none'] */
  balance?: Balancing;
  /** the project's negative class: AUC becomes positive-vs-negative */
  negativeClass?: number;
  /** ask the data for training augmentation [true] */
  augment?: boolean;
  bnMomentum?: number;
  /** caps optimiser steps per epoch (quick runs, tests) */
  maxStepsPerEpoch?: number;
  /** horizontal-flip TTA in the final evaluation (both reports returned) [true] */
  tta?: boolean;
  /** bootstrap resamples of the final report's confidence intervals [1000] */
  bootstrapResamples?: number;
  /** feature-distortion diagnostics (features and weights before vs after) [false] */
  diagnostics?: boolean;
}

/** Metrics of one epoch, sent to `onEpoch`. */
export interface EpochMetrics {
  /** 'probe', 'head', 'finetune' */
  stage: string;
  /** 0-based epoch within the stage */
  epoch: number;
  /** global epoch counter over all stages */
  globalEpoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  valF1: number;
  valAuc: number;
  /** learning rate (backbone group, or head when the backbone is frozen) at the last step */
  lr: number;
}

/** Progress of one optimiser step, sent to `onStep`. */
export interface StepProgress {
  stage: string;
  epoch: number;
  step: number;
  stepsInStage: number;
}

/** Callbacks and cancellation. */
export interface FinetuneHooks {
  onEpoch?(m: EpochMetrics): void;
  onStep?(p: StepProgress): void;
  /** checked before every step; an aborted run stops and still returns its result */
  signal?: AbortSignal;
}

/** Why training ended. */
/** 'diverged': the training loss or validation output became NaN/Infinity (the best earlier weights are kept). */
export type StopReason = 'completed' | 'early-stopped' | 'cancelled' | 'diverged';

/** What `finetune` returns. */
export interface FinetuneResult {
  mode: FinetuneMode;
  /** the trained head; its variables belong to the caller (dispose them when done) */
  head: { spec: HeadSpec; prefix: string; params: Params };
  history: EpochMetrics[];
  /** globalEpoch with the best monitored validation metric; its weights are kept unless restoreBest is false (-1: none) */
  bestEpoch: number;
  stopReason: StopReason;
  probe?: ProbeFit;
  bnConversion?: BnConversionLayer[];
  /** present when `diagnostics` was on */
  distortion?: DistortionReport;
  /** final evaluation on `data.test` (or `data.val` without a test set), with and without TTA */
  evaluation: TtaReports;
  evaluatedOn: 'test' | 'val';
}
