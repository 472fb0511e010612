/**
 * Classification metrics over plain arrays (no tensors): accuracy, balanced accuracy,
 * confusion matrix, per-class precision/recall/F1, macro-F1 and log loss. Definitions follow
 * scikit-learn 1.2 (`sklearn.metrics`), which the tests use as the reference on committed
 * fixtures. ROC curves and AUC live in `roc.ts`.
 *
 * Probabilities are a row-major Float64Array of N × K values (one row per image).
 */

/** Labels and class probabilities of one evaluation. */
export interface ProbabilityTable {
  /** true class per image, integers in [0, numClasses) */
  labels: ArrayLike<number>;
  /** N × K row-major class probabilities (rows should sum to 1) */
  probs: Float64Array;
  numClasses: number;
}

/** Checks a table's shapes and labels, with an error naming what is wrong. */
export function validateTable(t: ProbabilityTable): void {
  const n = t.labels.length;
  if (!Number.isInteger(t.numClasses) || t.numClasses < 2) throw new Error(`metrics: numClasses must be an integer ≥ 2, got ${t.numClasses}`);
  if (t.probs.length !== n * t.numClasses) {
    throw new Error(`metrics: probs has ${t.probs.length} values, expected ${n} images × ${t.numClasses} classes = ${n * t.numClasses}`);
  }
  checkLabels(t.labels, t.numClasses, 'labels');
}

function checkLabels(labels: ArrayLike<number>, k: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new Error(`metrics: ${what}[${i}] = ${y} is not a class index in [0, ${k})`);
  }
}

/** The predicted class of each row: argmax, the lowest index on ties (as numpy's argmax). */
export function argmaxRows(probs: Float64Array, numClasses: number): Int32Array {
  const n = probs.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = probs[i * numClasses];
    for (let c = 1; c < numClasses; c++) {
      const p = probs[i * numClasses + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Fraction of images whose prediction equals the label (NaN for an empty set). */
export function accuracy(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  if (labels.length !== preds.length) throw new Error(`metrics: ${labels.length} labels but ${preds.length} predictions`);
  if (labels.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === preds[i]) hit++;
  return hit / labels.length;
}

/** K × K confusion matrix, rows = true class, columns = predicted class (row-major counts). */
export function confusionMatrix(labels: ArrayLike<number>, preds: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== preds.length) throw new Error(`metrics: ${labels.length} labels but ${preds.length} predictions`);
  checkLabels(labels, numClasses, 'labels');
  checkLabels(preds, numClasses, 'predictions');
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][preds[i]]++;
  return m;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** number of images whose true class is this one */
  support: number;
  /** number of images predicted as this class */
  predicted: number;
}

/**
 * Per-class precision, recall and F1 from a confusion matrix. A 0/0 ratio is 0 (scikit-learn's
 * `zero_division` default), so a class never predicted has precision 0.
 */
export function perClassScores(cm: number[][]): ClassScores[] {
  const k = cm.length;
  return cm.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += cm[r][c];
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support, predicted };
  });
}

/**
 * Macro-F1: unweighted mean of per-class F1 over the classes that occur in the labels or the
 * predictions (scikit-learn's default label set). NaN when there are none.
 */
export function macroF1(cm: number[][]): number {
  const scores = perClassScores(cm);
  const used = scores.filter((s) => s.support > 0 || s.predicted > 0);
  if (used.length === 0) return NaN;
  return used.reduce((a, s) => a + s.f1, 0) / used.length;
}

/**
 * Balanced accuracy: mean recall over the classes present in the labels (scikit-learn
 * ignores classes that are only predicted). NaN for an empty set.
 */
export function balancedAccuracy(cm: number[][]): number {
  const present = perClassScores(cm).filter((s) => s.support > 0);
  if (present.length === 0) return NaN;
  return present.reduce((a, s) => a + s.recall, 0) / present.length;
}

/** Float64 machine epsilon: scikit-learn 1.2's clipping bound for log loss. */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

/**
 * The log loss of one row: probabilities clipped to [eps, 1 − eps] and renormalised to sum
 * to 1 (as scikit-learn), then −ln p(label).
 */
export function rowLogLoss(probs: Float64Array, numClasses: number, row: number, label: number, eps = LOG_LOSS_EPS): number {
  let sum = 0;
  const base = row * numClasses;
  for (let c = 0; c < numClasses; c++) sum += clip(probs[base + c], eps);
  return -Math.log(clip(probs[base + label], eps) / sum);
}

function clip(p: number, eps: number): number {
  if (!(p >= eps)) return eps; // NaN also becomes eps
  return p > 1 - eps ? 1 - eps : p;
}

/** Mean multinomial log loss (cross-entropy) over the table, NaN when empty. */
export function logLoss(t: ProbabilityTable, eps = LOG_LOSS_EPS): number {
  validateTable(t);
  const n = t.labels.length;
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) total += rowLogLoss(t.probs, t.numClasses, i, t.labels[i], eps);
  return total / n;
}
