/**
 * The evaluate stage: the fine-tuned classifier on the test split, with and without flip TTA,
 * in BN eval mode, beside the pixels-logreg floor on the same labels. Writes the per-image
 * predictions (for the confusion-matrix drill-down) and returns the blog-style summary (loss,
 * AUC, F1, accuracy).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedStage, RunResultSummary } from '../../shared/schemas/run';
import { classifierLogits, type Classifier } from '../finetune/classifier';
import { evaluateWithTta } from '../eval/tta';
import type { EvalReport } from '../eval/report';
import { pixelsLogreg } from '../eval/pixels-logreg';
import { cacheImages } from './images';
import { canStopEarly } from './finetune';
import { forwardBatch, points, type StageContext } from './context';
import type { PredictionsFile } from '../../shared/engine-jobs';

type EvaluateStage = Extract<ResolvedStage, { kind: 'evaluate' }>;

function headline(r: EvalReport) {
  return { loss: r.logLoss, auc: r.auc, f1: r.macroF1, accuracy: r.accuracy };
}

function rows(r: EvalReport) {
  return r.images.map((i) => ({ label: i.label, prediction: i.prediction, probability: i.probability, loss: i.loss }));
}

/** Evaluates on the test split, writes predictions.json and returns the summary (every read-back asynchronous). */
export async function runEvaluate(ctx: StageContext, stage: EvaluateStage, classifier: Classifier): Promise<RunResultSummary> {
  const d = ctx.data;
  const test = cacheImages(d.testCache, d.test, d.classNames.length, d.mean, d.std);
  const reports = await evaluateWithTta((x) => classifierLogits(classifier, x, 'eval'), test, {
    tta: stage.tta, negativeClass: d.negativeClass, bootstrapResamples: stage.bootstrapResamples, bootstrapSeed: ctx.config.seed, batchSize: forwardBatch(ctx.config),
  });
  const plain = headline(reports.plain);
  const tta = reports.flip ? headline(reports.flip) : null;
  const k = d.classNames.length;
  const val = canStopEarly(d.val.length, k) ? cacheImages(d.labeled, d.val, k, d.mean, d.std) : null;
  const floor = headline(await pixelsLogreg(cacheImages(d.labeled, d.train, k, d.mean, d.std), test, val, { seed: ctx.config.seed, negativeClass: d.negativeClass }));
  ctx.emit('log', { level: 'info', message: `pixels-logreg floor on the same labels: accuracy ${(floor.accuracy * 100).toFixed(1)} % (this run: ${(plain.accuracy * 100).toFixed(1)} %)` });
  ctx.emit('metrics', {
    points: [
      ...points(ctx.stageIdx, 0, { test_loss: plain.loss, test_auc: plain.auc, test_f1: plain.f1, test_accuracy: plain.accuracy }),
      ...points(ctx.stageIdx, 0, { floor_loss: floor.loss, floor_auc: floor.auc, floor_f1: floor.f1, floor_accuracy: floor.accuracy }),
      ...(tta ? points(ctx.stageIdx, 0, { test_loss_tta: tta.loss, test_auc_tta: tta.auc, test_f1_tta: tta.f1, test_accuracy_tta: tta.accuracy }) : []),
    ],
  });
  const file: PredictionsFile = {
    classNames: d.classNames,
    keys: d.test.map((i) => d.testCache.index.keys[i]),
    cacheDir: null,
    plain: rows(reports.plain),
    tta: reports.flip ? rows(reports.flip) : null,
  };
  const path = join(ctx.runDir, 'predictions.json');
  writeFileSync(path, JSON.stringify(file));
  ctx.emit('artifact', { kind: 'predictions', path, meta: { n: test.size } });
  const report = join(ctx.runDir, 'evaluation.json');
  writeFileSync(report, JSON.stringify({ plain: { ...reports.plain, images: undefined }, tta: reports.flip ? { ...reports.flip, images: undefined } : null }));
  ctx.emit('artifact', { kind: 'evaluation', path: report });
  return {
    plain,
    tta,
    classNames: d.classNames,
    confusion: reports.plain.confusion,
    confusionTta: reports.flip?.confusion ?? null,
    testSize: test.size,
    aucKind: reports.plain.aucKind,
    floor,
  };
}
