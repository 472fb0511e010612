/**
 * The model contract every backbone, head, SSL method and fine-tuning mode shares.
 *
 * A model is a flat map of named variables (checkpoint names such as
 * `layer1.0.bn1.weight`) plus pure forward functions that take that map. EMA copies,
 * BN-only training, BN conversion, freezing and weight import are then a matter of
 * selecting names.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** What a named variable is, so optimisers and adaptation steps can select by role. */
export type ParamRole =
  | 'conv' // convolution kernel, HWIO (depthwise: HWC1)
  | 'dense' // dense kernel, [in, out]
  | 'bias'
  | 'norm-scale' // BN / GN / LN gamma
  | 'norm-shift' // BN / GN / LN beta
  | 'running-mean' // BN buffer, never trained
  | 'running-var' // BN buffer (unbiased variance, PyTorch convention), never trained
  | 'other';

/** A named variable's static description. */
export interface ParamSpec {
  name: string;
  shape: number[];
  role: ParamRole;
  /** a depthwise conv kernel (HWC1); PyTorch stores these as [C, 1, H, W] */
  depthwise?: boolean;
}

/** Named variables of a model (backbone or head). Buffers are variables with trainable=false. */
export type Params = Map<string, tf.Variable>;

/** How BatchNorm layers behave in one forward call. */
export type BnMode =
  /** batch statistics; running statistics are updated (momentum below) */
  | 'train'
  /** running statistics; nothing is updated (LP-FT, kNN, probes, eval) */
  | 'eval'
  /** batch statistics, running statistics left alone (target networks, probes of train-mode output) */
  | 'batch-no-update';

/** Options of one forward call. */
export interface ForwardContext {
  bnMode: BnMode;
  /** PyTorch-style momentum for running statistics: new = (1 - m) * old + m * batch. Default 0.1. */
  bnMomentum?: number;
  /** Shuffle-BN emulation: split the batch into this many groups, each with its own BN statistics. Default 1. */
  bnGroups?: number;
  /**
   * Called with every BN layer's input (NHWC or NC) in the order layers run. Used by DAFT's
   * conversion and by BN re-estimation. The tensor is only valid during the call.
   */
  onBnInput?: (bnName: string, x: tf.Tensor) => void;
}

/** One BatchNorm layer's variable names, and the convolution that feeds it when there is one. */
export interface BnLayerRef {
  /** prefix, e.g. `layer1.0.bn1` */
  name: string;
  gamma: string;
  beta: string;
  mean: string;
  variance: string;
  eps: number;
  /** kernel name of the conv directly before this BN (conv → BN pair), if any */
  conv?: string;
}

/** A backbone: named parameters and a pure features forward. Heads are separate. */
export interface Backbone {
  arch: string;
  /** the config it was built from (widths, depth, multipliers ...), stored in checkpoints */
  config: Record<string, unknown>;
  /** size of the pooled feature vector */
  featureDim: number;
  /** every variable, buffers included */
  params: Params;
  specs: ParamSpec[];
  /** pooled features [N, featureDim] for NHWC float32 input already normalised */
  forwardFeatures(params: Params, x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  /** BatchNorm layers in forward order (empty for GroupNorm backbones) */
  bnLayers: BnLayerRef[];
}

/** One block of an MLP head: dense(in → out), then optional norm and activation. */
export interface MlpBlockSpec {
  in: number;
  out: number;
  norm: 'batch' | 'layer' | 'none';
  activation: 'relu' | 'none';
  bias?: boolean;
}

/** A head declared as data: a list of blocks (a linear head is one block without norm). */
export interface HeadSpec {
  blocks: MlpBlockSpec[];
}
