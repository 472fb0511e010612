/**
 * Evaluation of a classifier on a labeled set with and without horizontal-flip test-time
 * augmentation (the Blog's TTA): both reports are returned, so the UI can show either.
 */
import { predictProbabilities, type LogitsFn } from './features';
import type { LabeledImages } from './images';
import { evaluateClassifier, type EvalReport, type EvaluateOptions } from './report';

/** Reports of one evaluation: as-is, and with flip TTA when it was on. */
export interface TtaReports {
  plain: EvalReport;
  flip?: EvalReport;
}

/** Evaluates `logits` on `data`; with `tta`, also on the mean of image and mirror probabilities (read back asynchronously). */
export async function evaluateWithTta(logits: LogitsFn, data: LabeledImages, o: EvaluateOptions & { tta?: boolean; batchSize?: number } = {}): Promise<TtaReports> {
  const p = await predictProbabilities(logits, data, { tta: o.tta, batchSize: o.batchSize });
  const table = (probs: Float64Array) => ({ labels: data.labels, probs, numClasses: data.numClasses });
  return {
    plain: evaluateClassifier(table(p.plain), o),
    ...(p.flip ? { flip: evaluateClassifier(table(p.flip), o) } : {}),
  };
}
