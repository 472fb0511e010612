/**
 * One evaluation report from labels and class probabilities: every metric the UI shows,
 * bootstrap confidence intervals, the ROC curve, the confusion matrix and per-image results
 * (so the UI can list the worst images of a confusion-matrix cell).
 */
import { bootstrapMany, type ConfidenceInterval } from './bootstrap';
import {
  accuracy, argmaxRows, balancedAccuracy, confusionMatrix, logLoss, macroF1, perClassScores, rowLogLoss, validateTable,
  type ClassScores, type ProbabilityTable,
} from './metrics';
import { oneVsRestAucs, positiveVsNegative, rocAuc, rocCurve, type RocCurve } from './roc';

/** One evaluated image. */
export interface ImageResult {
  /** position in the evaluated set */
  index: number;
  label: number;
  prediction: number;
  /** probability of the predicted class */
  probability: number;
  /** probability given to the true class */
  labelProbability: number;
  /** −ln p(label), clipped as in log loss */
  loss: number;
}

/** Options of `evaluateClassifier`. */
export interface EvaluateOptions {
  /** the project's negative class: AUC becomes binary positive-vs-negative */
  negativeClass?: number;
  /** bootstrap resamples for the confidence intervals; 0 skips them (default 1000) */
  bootstrapResamples?: number;
  bootstrapSeed?: number;
}

/** Everything one evaluation produces. */
export interface EvalReport {
  n: number;
  numClasses: number;
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  logLoss: number;
  auc: number;
  aucKind: 'positive-vs-negative' | 'one-vs-rest-macro';
  /** per-class one-vs-rest AUC (NaN where undefined) */
  classAuc: number[];
  perClass: ClassScores[];
  /** rows = true class, columns = predicted class */
  confusion: number[][];
  /** positive-vs-negative curve (named negative class), or class 1 vs 0 for two classes */
  roc?: RocCurve;
  /** 95% bootstrap intervals of accuracy, macro-F1, AUC and log loss (absent when resamples = 0) */
  ci?: Record<'accuracy' | 'macroF1' | 'auc' | 'logLoss', ConfidenceInterval>;
  images: ImageResult[];
}

/** Rows `indices` of a table, as a new table. */
export function subsetTable(t: ProbabilityTable, indices: ArrayLike<number>): ProbabilityTable {
  const k = t.numClasses;
  const labels = new Int32Array(indices.length);
  const probs = new Float64Array(indices.length * k);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    labels[j] = t.labels[i];
    probs.set(t.probs.subarray(i * k, (i + 1) * k), j * k);
  }
  return { labels, probs, numClasses: k };
}

/** Accuracy, macro-F1, AUC and log loss of a table (the metrics that get intervals). */
function headline(t: ProbabilityTable, negativeClass?: number): Record<'accuracy' | 'macroF1' | 'auc' | 'logLoss', number> {
  const preds = argmaxRows(t.probs, t.numClasses);
  const cm = confusionMatrix(t.labels, preds, t.numClasses);
  return { accuracy: accuracy(t.labels, preds), macroF1: macroF1(cm), auc: rocAuc(t, negativeClass), logLoss: logLoss(t) };
}

/** Per-image results: prediction, its probability, the true class's probability and loss. */
export function imageResults(t: ProbabilityTable): ImageResult[] {
  const k = t.numClasses;
  const preds = argmaxRows(t.probs, k);
  return Array.from({ length: t.labels.length }, (_, i) => ({
    index: i,
    label: t.labels[i],
    prediction: preds[i],
    probability: t.probs[i * k + preds[i]],
    labelProbability: t.probs[i * k + t.labels[i]],
    loss: rowLogLoss(t.probs, k, i, t.labels[i]),
  }));
}

/** Images of one confusion-matrix cell (true class, predicted class), highest loss first. */
export function worstInCell(images: ImageResult[], trueClass: number, predictedClass: number, limit = 50): ImageResult[] {
  return images
    .filter((r) => r.label === trueClass && r.prediction === predictedClass)
    .sort((a, b) => b.loss - a.loss || a.index - b.index)
    .slice(0, limit);
}

/** Computes the full report of one evaluation. */
export function evaluateClassifier(t: ProbabilityTable, o: EvaluateOptions = {}): EvalReport {
  validateTable(t);
  const bad = t.probs.findIndex((p) => !Number.isFinite(p));
  if (bad >= 0) throw new Error(`evaluate: probability of image ${Math.floor(bad / t.numClasses)}, class ${bad % t.numClasses} is ${t.probs[bad]} (the model diverged?)`);
  const k = t.numClasses;
  const preds = argmaxRows(t.probs, k);
  const cm = confusionMatrix(t.labels, preds, k);
  const head = headline(t, o.negativeClass);
  let roc: RocCurve | undefined;
  if (o.negativeClass !== undefined) {
    const { positive, scores } = positiveVsNegative(t, o.negativeClass);
    roc = rocCurve(positive, scores, true);
  } else if (k === 2) {
    const n = t.labels.length;
    roc = rocCurve(Uint8Array.from({ length: n }, (_, i) => (t.labels[i] === 1 ? 1 : 0)), Float64Array.from({ length: n }, (_, i) => t.probs[i * 2 + 1]), true);
  }
  const resamples = o.bootstrapResamples ?? 1000;
  let ci: EvalReport['ci'];
  if (resamples > 0 && t.labels.length > 0) {
    ci = bootstrapMany(t.labels.length, (idx) => headline(subsetTable(t, idx), o.negativeClass), { resamples, seed: o.bootstrapSeed ?? 0 });
  }
  return {
    n: t.labels.length,
    numClasses: k,
    accuracy: head.accuracy,
    balancedAccuracy: balancedAccuracy(cm),
    macroF1: head.macroF1,
    logLoss: head.logLoss,
    auc: head.auc,
    aucKind: o.negativeClass !== undefined ? 'positive-vs-negative' : 'one-vs-rest-macro',
    classAuc: oneVsRestAucs(t),
    perClass: perClassScores(cm),
    confusion: cm,
    ...(roc ? { roc } : {}),
    ...(ci ? { ci } : {}),
    images: imageResults(t),
  };
}
