/**
 * One optimiser step of an SSL method: gradients of `method.loss` for one or more
 * micro-batches (gradient accumulation averages them), one optimiser update, then the
 * method's end-of-step hook. Everything temporary is freed before returning.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SslMethod, StepInfo } from '../methods/method';
import type { NamedOptimizer, TrainableVar } from './optimizers';

/** Result of one step (the loss is read back only when asked, to avoid a sync per step). */
export interface StepResult {
  /** mean loss over micro-batches as a kept scalar; the caller disposes it */
  loss: tf.Scalar;
}

/**
 * Gradients of the method's loss for one micro-batch, keyed by trainable name. Returns the
 * loss value (kept) and the gradients (kept); variables outside `vars` get none.
 */
export function lossAndGrads(method: SslMethod, vars: TrainableVar[], views: tf.Tensor4D[], info: StepInfo): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const byVarName = new Map(vars.map((v) => [v.variable.name, v.name]));
  const { value, grads } = tf.variableGrads(() => method.loss(views, info), vars.map((v) => v.variable));
  const named = new Map<string, tf.Tensor>();
  for (const [varName, g] of Object.entries(grads)) {
    const key = byVarName.get(varName);
    if (g && key) named.set(key, g);
    else g?.dispose();
  }
  return { loss: value as tf.Scalar, grads: named };
}

/**
 * Runs one optimiser step over `microBatches` (each an array of views). With more than one
 * micro-batch the gradients are averaged: the same update as one large batch for everything
 * except BatchNorm, whose statistics still see only one micro-batch (super-gradients#1858).
 */
export function sslStep(method: SslMethod, optimizer: NamedOptimizer, microBatches: tf.Tensor4D[][], lr: number, info: StepInfo): StepResult {
  if (microBatches.length === 0) throw new Error('sslStep: no micro-batches');
  const vars = method.trainable();
  if (vars.length === 0) throw new Error(`sslStep: method '${method.name}' has no trainable variables`);
  let sum: Map<string, tf.Tensor> | undefined;
  let lossSum: tf.Scalar | undefined;
  for (const views of microBatches) {
    const { loss, grads } = lossAndGrads(method, vars, views, info);
    if (!sum || !lossSum) {
      sum = grads;
      lossSum = loss;
      continue;
    }
    for (const [k, g] of grads) {
      const prev = sum.get(k);
      sum.set(k, prev ? tf.tidy(() => tf.add(prev, g)) : g.clone());
      prev?.dispose();
      g.dispose();
    }
    const prevLoss: tf.Scalar = lossSum;
    lossSum = tf.tidy(() => tf.add(prevLoss, loss) as tf.Scalar);
    prevLoss.dispose();
    loss.dispose();
  }
  const n = microBatches.length;
  const grads = sum!;
  if (n > 1) {
    for (const [k, g] of grads) {
      grads.set(k, tf.tidy(() => tf.div(g, n)));
      g.dispose();
    }
  }
  optimizer.apply(vars, grads, lr);
  for (const g of grads.values()) g.dispose();
  method.onStepEnd(info);
  const total = lossSum!;
  const mean = n > 1 ? tf.tidy(() => tf.div(total, n) as tf.Scalar) : total;
  if (mean !== total) total.dispose();
  return { loss: mean };
}
