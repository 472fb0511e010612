/**
 * What every self-supervised method provides to the generic training loop: its trainable
 * variables, its momentum pairs, a loss over augmented views, an end-of-step hook, and its
 * state for checkpoints.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainableVar } from '../train/optimizers';
import type { MomentumPair } from '../train/ema';
import type { SerializedTensors } from '../train/tensor-state';

/** Where the loop is, passed to `loss` and `onStepEnd`. */
export interface StepInfo {
  /** 0-based optimiser step */
  step: number;
  /** total optimiser steps of the stage (momentum schedules need it) */
  totalSteps: number;
}

/** A method's checkpointable state: tensors by name plus small numbers (queue pointer ...). */
export interface MethodState {
  method: string;
  tensors: SerializedTensors;
  meta: Record<string, number>;
}

/** The contract between an SSL method and `trainSsl`. */
export interface SslMethod {
  readonly name: string;
  /** variables the optimiser updates (names are checkpoint names, e.g. `online.conv1.weight`) */
  trainable(): TrainableVar[];
  /** target ← EMA(online) pairs; the loop never trains a target */
  momentumPairs(): MomentumPair[];
  /**
   * Scalar loss for one (micro-)batch of views: views[0], views[1] are the two global views
   * of the same images, further entries optional small crops. Called inside the gradient
   * tape; must not write variables other than BN running statistics.
   */
  loss(views: tf.Tensor4D[], info: StepInfo): tf.Scalar;
  /** After the optimiser step: momentum updates, queue writes, prototype normalisation. */
  onStepEnd(info: StepInfo): void;
  /** Online pooled backbone features in BN eval mode (kNN monitor, probes). */
  features(x: tf.Tensor4D): tf.Tensor2D;
  /** The embedding whose spread the collapse monitor watches (online projection, no BN update). */
  embedding(x: tf.Tensor4D): tf.Tensor2D;
  /** Everything needed to resume exactly (tensors read back asynchronously). */
  exportState(): Promise<MethodState>;
  /** Restores a state written by `exportState` of the same method and shapes. */
  importState(state: MethodState): void;
  /** Frees every variable the method created (not the backbone's own online params). */
  dispose(): void;
}
