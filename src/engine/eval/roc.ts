/**
 * ROC curves and the area under them, as scikit-learn 1.2 computes them (`roc_curve`,
 * `roc_auc_score`): one curve point per distinct score, ties counted as half (trapezoid), the
 * curve starting at (0, 0). AUC is NaN where scikit-learn raises (one class absent).
 */
import { validateTable, type ProbabilityTable } from './metrics';

/** Points of a ROC curve: false-positive rate, true-positive rate and the score threshold. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** threshold of each point (score ≥ threshold is positive); the first point's is +Infinity */
  thresholds: number[];
}

/**
 * A binary ROC curve of `scores` (higher = more positive) against `positive` (truthy =
 * positive). With `dropIntermediate` (scikit-learn's default), points on straight segments
 * are dropped; the area is the same. Rates are NaN when a class is absent.
 */
export function rocCurve(positive: ArrayLike<number | boolean>, scores: ArrayLike<number>, dropIntermediate = false): RocCurve {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`roc: ${positive.length} labels but ${n} scores`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i])) throw new Error(`roc: score[${i}] = ${scores[i]} is not finite`);
  // stable sort by descending score
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let tps: number[] = [];
  let fps: number[] = [];
  let thr: number[] = [];
  let tp = 0;
  for (let j = 0; j < n; j++) {
    if (positive[order[j]]) tp++;
    const last = j === n - 1 || scores[order[j + 1]] !== scores[order[j]];
    if (last) {
      tps.push(tp);
      fps.push(j + 1 - tp);
      thr.push(scores[order[j]]);
    }
  }
  if (dropIntermediate && tps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i + 1 < tps.length; i++) {
      const d2f = fps[i + 1] - 2 * fps[i] + fps[i - 1];
      const d2t = tps[i + 1] - 2 * tps[i] + tps[i - 1];
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(tps.length - 1);
    tps = keep.map((i) => tps[i]);
    fps = keep.map((i) => fps[i]);
    thr = keep.map((i) => thr[i]);
  }
  const totalP = tps.length ? tps[tps.length - 1] : 0;
  const totalN = fps.length ? fps[fps.length - 1] : 0;
  return {
    fpr: [0, ...fps].map((f) => (totalN > 0 ? f / totalN : NaN)),
    tpr: [0, ...tps].map((t) => (totalP > 0 ? t / totalP : NaN)),
    thresholds: [Infinity, ...thr],
  };
}

/** Trapezoidal area under a curve given by x (non-decreasing) and y. */
export function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** Binary ROC AUC; NaN when either class is absent (scikit-learn raises there). */
export function binaryAuc(positive: ArrayLike<number | boolean>, scores: ArrayLike<number>): number {
  const c = rocCurve(positive, scores);
  if (c.fpr.some(Number.isNaN) || c.tpr.some(Number.isNaN)) return NaN;
  return trapezoid(c.fpr, c.tpr);
}

/** Binary labels (1 = positive) and positive scores 1 − p(negative) for a named negative class. */
export function positiveVsNegative(t: ProbabilityTable, negativeClass: number): { positive: Uint8Array; scores: Float64Array } {
  validateTable(t);
  if (!Number.isInteger(negativeClass) || negativeClass < 0 || negativeClass >= t.numClasses) {
    throw new Error(`roc: negative class ${negativeClass} is not a class index in [0, ${t.numClasses})`);
  }
  const n = t.labels.length;
  const positive = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    positive[i] = t.labels[i] !== negativeClass ? 1 : 0;
    scores[i] = 1 - t.probs[i * t.numClasses + negativeClass];
  }
  return { positive, scores };
}

/** Per-class one-vs-rest AUC (NaN for a class that is absent from, or the only one in, the labels). */
export function oneVsRestAucs(t: ProbabilityTable): number[] {
  validateTable(t);
  const n = t.labels.length;
  const out: number[] = [];
  for (let c = 0; c < t.numClasses; c++) {
    const positive = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      positive[i] = t.labels[i] === c ? 1 : 0;
      scores[i] = t.probs[i * t.numClasses + c];
    }
    out.push(binaryAuc(positive, scores));
  }
  return out;
}

/**
 * The project's ROC AUC: binary positive-vs-negative (score 1 − p(negative)) when a negative
 * class is named, otherwise the one-vs-rest macro average over the classes where it is
 * defined (scikit-learn `multi_class='ovr'`, which instead raises when a class is absent).
 */
export function rocAuc(t: ProbabilityTable, negativeClass?: number): number {
  if (negativeClass !== undefined) {
    const { positive, scores } = positiveVsNegative(t, negativeClass);
    return binaryAuc(positive, scores);
  }
  const defined = oneVsRestAucs(t).filter((a) => !Number.isNaN(a));
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN;
}
