/**
 * Linear probe: L2-regularised multinomial logistic regression on frozen features extracted
 * once, trained with SGD + momentum and a cosine learning rate, with a small sweep of learning
 * rate × weight decay chosen on validation (HPT's protocol: lr ∈ {0.3, 3, 30}, pick by val).
 * Features are standardised with the training mean/std while fitting; the returned weights
 * are folded back so they apply to raw features (and can initialise an LP-FT head).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NamedOptimizer, type TrainableVar } from '../train/optimizers';
import { cosineWithWarmup } from '../train/schedules';
import { SeededRandom } from '../train/seed';
import type { FeatureMatrix } from './features';
import { argmaxRows, accuracy, logLoss } from './metrics';

/** Settings of the probe (defaults in brackets). */
export interface ProbeOptions {
  /** learning rates to try [0.03, 0.3] */
  lrs?: number[];
  /** weight decays (L2 penalty, PyTorch convention) to try [1e-5, 1e-4, 1e-3] */
  weightDecays?: number[];
  /** passes over the training features per trial [60] */
  epochs?: number;
  batchSize?: number;
  seed?: number;
  /** per-class weights of the cross-entropy (unbalanced data) */
  classWeights?: ArrayLike<number>;
  /** pick the trial with the best validation accuracy (ties: lower loss) or loss ['accuracy'] */
  select?: 'accuracy' | 'loss';
}

/** One sweep point's validation result. */
export interface ProbeTrial {
  lr: number;
  weightDecay: number;
  valAccuracy: number;
  valLoss: number;
}

/** A fitted probe: logits = features · weight + bias on raw (unstandardised) features. */
export interface ProbeFit {
  /** [dim, K] row-major */
  weight: Float32Array;
  bias: Float32Array;
  dim: number;
  numClasses: number;
  chosen: ProbeTrial;
  trials: ProbeTrial[];
}

/** Softmax probabilities of a fitted probe on features, N × K (Float64), read back asynchronously. */
export async function probeProbabilities(fit: ProbeFit, f: FeatureMatrix): Promise<Float64Array> {
  if (f.dim !== fit.dim) throw new Error(`probe: fitted on ${fit.dim}-dim features, got ${f.dim}`);
  const p = tf.tidy(() => {
    const logits = tf.add(tf.matMul(tf.tensor2d(f.data, [f.n, f.dim]), tf.tensor2d(fit.weight, [fit.dim, fit.numClasses])), tf.tensor1d(fit.bias));
    return tf.softmax(logits);
  });
  try {
    return Float64Array.from(await p.data());
  } finally {
    p.dispose();
  }
}

interface Standardizer {
  mean: Float32Array;
  std: Float32Array;
}

function standardizer(f: FeatureMatrix): Standardizer {
  const mean = new Float32Array(f.dim);
  const std = new Float32Array(f.dim);
  for (let i = 0; i < f.n; i++) for (let d = 0; d < f.dim; d++) mean[d] += f.data[i * f.dim + d] / f.n;
  for (let i = 0; i < f.n; i++) for (let d = 0; d < f.dim; d++) std[d] += (f.data[i * f.dim + d] - mean[d]) ** 2 / f.n;
  for (let d = 0; d < f.dim; d++) std[d] = Math.max(Math.sqrt(std[d]), 1e-6);
  return { mean, std };
}

/** Fits one probe on standardised features; returns W, b in standardised space (read back once, at the end). */
async function fitOne(x: tf.Tensor2D, y: tf.Tensor2D, rowWeights: tf.Tensor1D, lr: number, wd: number, o: Required<Pick<ProbeOptions, 'epochs' | 'batchSize' | 'seed'>>): Promise<{ w: Float32Array; b: Float32Array }> {
  const [n, dim] = x.shape;
  const k = y.shape[1];
  const w = tf.tidy(() => tf.variable(tf.zeros([dim, k]), true));
  const b = tf.tidy(() => tf.variable(tf.zeros([k]), true));
  const vars: TrainableVar[] = [{ name: 'weight', variable: w, decay: true }, { name: 'bias', variable: b, decay: false }];
  const opt = new NamedOptimizer({ kind: 'sgd', momentum: 0.9, weightDecay: wd });
  const rng = new SeededRandom(o.seed);
  const bs = Math.min(o.batchSize, n);
  const stepsPerEpoch = Math.ceil(n / bs);
  const total = o.epochs * stepsPerEpoch;
  let step = 0;
  try {
    for (let e = 0; e < o.epochs; e++) {
      const perm = rng.permutation(n);
      for (let s = 0; s < n; s += bs) {
        const idx = tf.tensor1d(perm.slice(s, s + bs), 'int32');
        const { value, grads } = tf.variableGrads(() => {
          const xb = tf.gather(x, idx);
          const yb = tf.gather(y, idx);
          const rw = tf.gather(rowWeights, idx);
          const logp = tf.logSoftmax(tf.add(tf.matMul(xb, w), b));
          return tf.div(tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(yb, logp), 1), rw))), tf.sum(rw)) as tf.Scalar;
        }, [w, b]);
        idx.dispose();
        value.dispose();
        const named = new Map<string, tf.Tensor>([['weight', grads[w.name]], ['bias', grads[b.name]]]);
        opt.apply(vars, named, cosineWithWarmup(step++, { base: lr, totalSteps: total }));
        for (const g of Object.values(grads)) g.dispose();
      }
    }
    const [wv, bv] = await Promise.all([w.data(), b.data()]);
    return { w: Float32Array.from(wv), b: Float32Array.from(bv) };
  } finally {
    opt.dispose();
    w.dispose();
    b.dispose();
  }
}

/** Folds standardisation into the weights: x·(W/σ) + (b − (μ/σ)·W). */
function fold(w: Float32Array, b: Float32Array, s: Standardizer, k: number): { weight: Float32Array; bias: Float32Array } {
  const dim = s.mean.length;
  const weight = new Float32Array(dim * k);
  const bias = Float32Array.from(b);
  for (let d = 0; d < dim; d++) {
    for (let c = 0; c < k; c++) {
      const v = w[d * k + c] / s.std[d];
      weight[d * k + c] = v;
      bias[c] -= s.mean[d] * v;
    }
  }
  return { weight, bias };
}

/**
 * Trains a linear probe for every (lr, weight decay) of the sweep on `train` features and
 * keeps the one that does best on `val` features. Deterministic for a given seed. Asynchronous:
 * each trial's weights and validation probabilities are read back with `await`.
 */
export async function linearProbe(
  train: FeatureMatrix, trainLabels: ArrayLike<number>,
  val: FeatureMatrix, valLabels: ArrayLike<number>,
  numClasses: number, o: ProbeOptions = {},
): Promise<ProbeFit> {
  if (!tf.getGradient('BatchMatMul')) throw new Error('probe: tfjs gradients are not registered; call initBackend() from src/engine/backend first');
  if (train.n === 0) throw new Error('probe: the training set is empty');
  if (val.n === 0) throw new Error('probe: the validation set is empty');
  if (train.dim !== val.dim) throw new Error(`probe: train features have ${train.dim} dims, val ${val.dim}`);
  if (trainLabels.length !== train.n || valLabels.length !== val.n) throw new Error('probe: label count does not match feature count');
  const lrs = o.lrs ?? [0.03, 0.3];
  const wds = o.weightDecays ?? [1e-5, 1e-4, 1e-3];
  const cw = o.classWeights ? Array.from(o.classWeights) : new Array<number>(numClasses).fill(1);
  if (cw.length !== numClasses || cw.some((v) => !(v >= 0))) throw new Error(`probe: classWeights must be ${numClasses} non-negative numbers`);
  const s = standardizer(train);
  const x = tf.tidy(() => tf.div(tf.sub(tf.tensor2d(train.data, [train.n, train.dim]), tf.tensor1d(s.mean)), tf.tensor1d(s.std)) as tf.Tensor2D);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from(trainLabels), 'int32'), numClasses), 'float32') as tf.Tensor2D);
  const rowWeights = tf.tensor1d(Array.from(trainLabels, (l) => cw[l]));
  const trials: Array<ProbeTrial & { weight: Float32Array; bias: Float32Array }> = [];
  try {
    for (const lr of lrs) {
      for (const wd of wds) {
        const { w, b } = await fitOne(x, y, rowWeights, lr, wd, { epochs: o.epochs ?? 60, batchSize: o.batchSize ?? 256, seed: o.seed ?? 0 });
        const folded = fold(w, b, s, numClasses);
        const fit = { ...folded, dim: train.dim, numClasses } as ProbeFit;
        const probs = await probeProbabilities(fit, val);
        const valAccuracy = accuracy(valLabels, argmaxRows(probs, numClasses));
        const valLoss = logLoss({ labels: valLabels, probs, numClasses });
        trials.push({ lr, weightDecay: wd, valAccuracy, valLoss, ...folded });
      }
    }
  } finally {
    x.dispose();
    y.dispose();
    rowWeights.dispose();
  }
  const byLoss = (a: ProbeTrial, b: ProbeTrial): number => (Number.isNaN(a.valLoss) ? 1 : 0) - (Number.isNaN(b.valLoss) ? 1 : 0) || a.valLoss - b.valLoss;
  const order = [...trials].sort((a, b) => ((o.select ?? 'accuracy') === 'accuracy' ? b.valAccuracy - a.valAccuracy || byLoss(a, b) : byLoss(a, b)));
  const best = order[0];
  const summary = trials.map(({ lr, weightDecay, valAccuracy, valLoss }) => ({ lr, weightDecay, valAccuracy, valLoss }));
  return {
    weight: best.weight, bias: best.bias, dim: train.dim, numClasses,
    chosen: { lr: best.lr, weightDecay: best.weightDecay, valAccuracy: best.valAccuracy, valLoss: best.valLoss },
    trials: summary,
  };
}
