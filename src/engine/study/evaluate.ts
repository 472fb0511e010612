/**
 * The study's two evaluations of a pretrained backbone on the target: a linear probe on frozen
 * features (BN eval mode) and a full fine-tune (FT, or DAFT), both trained on the seed's labeled
 * draw only and scored on the target test set. With 10 labels per class there is no held-out
 * validation set, so every hyper-parameter is fixed in advance (no selection on test).
 */
import type { Backbone } from '../models/types';
import { disposeParams } from '../models/registry';
import type { LabeledImages } from '../eval/images';
import { fixedProbe } from '../eval/fixed-probe';
import type { EvalReport } from '../eval/report';
import { finetune } from '../finetune/finetune';

/** Accuracy, macro-F1, log loss and one-vs-rest AUC of one evaluation, with its confusion matrix. */
export interface Scores {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  auc: number;
  confusion: number[][];
}

function scoresOf(e: EvalReport): Scores {
  return { accuracy: e.accuracy, macroF1: e.macroF1, logLoss: e.logLoss, auc: e.auc, confusion: e.confusion };
}

/** Fixed evaluation settings (the same for every arm). */
export const EVAL_SETTINGS = {
  probe: { lr: 0.1, weightDecay: 1e-3 },
  finetune: { lr: 0.02, momentum: 0.9, weightDecay: 1e-4 },
  /** DAFT's head learning rate relative to the backbone's (η_w = 10 η_θ) */
  daftHeadLrFactor: 10,
};

/** Linear probe: the engine's fixed probe (logistic regression on frozen pooled features of the labeled draw). */
export async function probeScores(backbone: Backbone, train: LabeledImages, test: LabeledImages, epochs: number, seed: number): Promise<Scores> {
  return scoresOf(await fixedProbe(backbone, train, test, { epochs, lr: EVAL_SETTINGS.probe.lr, weightDecay: EVAL_SETTINGS.probe.weightDecay }, { seed }));
}

/**
 * Fine-tunes the backbone in place on the labeled draw (every label in one batch per step,
 * shift-and-flip augmentation, SGD, cosine) and scores the test set. 'daft' converts BN to the
 * target statistics first and trains a zero-initialised head with its own learning rate.
 * `val` only feeds the per-epoch log (one labeled image per class; nothing is selected on it).
 */
export async function finetuneScores(backbone: Backbone, train: LabeledImages, val: LabeledImages, test: LabeledImages, mode: 'ft' | 'daft', steps: number, seed: number): Promise<Scores> {
  const s = EVAL_SETTINGS.finetune;
  const r = await finetune({
    mode, backbone, seed, batchSize: train.size, epochs: steps,
    data: { train, val, test },
    lr: s.lr, ...(mode === 'daft' ? { headLr: s.lr * EVAL_SETTINGS.daftHeadLrFactor } : {}),
    optimizer: { kind: 'sgd', momentum: s.momentum, weightDecay: s.weightDecay },
    earlyStopping: false, restoreBest: false, tta: false, bootstrapResamples: 0,
  });
  disposeParams(r.head.params);
  return scoresOf(r.evaluation.plain);
}
