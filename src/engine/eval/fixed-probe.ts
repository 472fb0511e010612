/**
 * The fixed linear probe: logistic regression on a frozen backbone's pooled features (BN in
 * eval mode) of the labeled train images, scored on the test images. Its learning rate, weight
 * decay and passes are fixed in advance, so nothing is selected on validation or test: the
 * probe measures the representation, the same way for every run that asks for it.
 */
import type { Backbone } from '../models/types';
import { extractFeatures } from './features';
import type { LabeledImages } from './images';
import { linearProbe, probeProbabilities } from './linear-probe';
import { evaluateClassifier, type EvalReport } from './report';

/** The probe's fixed settings (the evaluate stage's `linearProbe`). */
export interface FixedProbeSettings {
  epochs: number;
  lr: number;
  weightDecay: number;
}

/** Fits the fixed probe on `train`'s features and evaluates it on `test`'s (every read-back asynchronous). */
export async function fixedProbe(backbone: Backbone, train: LabeledImages, test: LabeledImages, s: FixedProbeSettings, o: { seed: number; negativeClass?: number }): Promise<EvalReport> {
  const trainF = await extractFeatures(backbone, train, { batchSize: 100 });
  const testF = await extractFeatures(backbone, test, { batchSize: 250 });
  const fit = await linearProbe(trainF, train.labels, trainF, train.labels, train.numClasses, {
    lrs: [s.lr], weightDecays: [s.weightDecay], epochs: s.epochs, seed: o.seed, batchSize: 256,
  });
  const probs = await probeProbabilities(fit, testF);
  return evaluateClassifier({ labels: test.labels, probs, numClasses: train.numClasses }, { negativeClass: o.negativeClass, bootstrapResamples: 0 });
}
