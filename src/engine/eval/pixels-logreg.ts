/**
 * The floor every trained model must beat: multinomial logistic regression on the raw pixels
 * of the same labeled train images (normalised as training sees them, no augmentation),
 * scored on the same test images. A run that does not beat it has defaults that failed.
 * With a validation split of ≥ 2 images per class, the L2 strength is chosen on it; otherwise
 * it is fixed in advance (nothing is selected on test).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LabeledImages } from './images';
import { indexBatches } from './images';
import type { FeatureMatrix } from './features';
import { linearProbe, probeProbabilities } from './linear-probe';
import { evaluateClassifier, type EvalReport } from './report';

/** The floor's fixed settings: SGD on standardised pixels, 300 passes, weight decay 1e-3 unless chosen on val (within 2 points of scikit-learn's LogisticRegression on Fashion-MNIST). */
export const PIXELS_LOGREG = { lr: 0.1, weightDecays: [1e-4, 1e-3, 1e-2], fixedWeightDecay: 1e-3, epochs: 300 };

/** Images larger than this are shrunk to it first (bilinear), so the floor stays small at 224 px. */
export const PIXELS_LOGREG_MAX_SIDE = 32;

/** Every image of a set flattened to one row of pixels (at most 32 × 32 per channel), read back asynchronously. */
export async function pixelRows(set: LabeledImages): Promise<FeatureMatrix> {
  let dim = 0;
  let data = new Float32Array(0);
  for (const idx of indexBatches(set.size, 256)) {
    const x = tf.tidy(() => {
      const b = set.batch(idx);
      return b.shape[1] > PIXELS_LOGREG_MAX_SIDE ? tf.image.resizeBilinear(b, [PIXELS_LOGREG_MAX_SIDE, PIXELS_LOGREG_MAX_SIDE]) : b;
    });
    let values: Float32Array;
    try {
      values = (await x.data()) as Float32Array;
    } finally {
      x.dispose();
    }
    if (dim === 0) {
      dim = x.size / idx.length;
      data = new Float32Array(set.size * dim);
    }
    data.set(values, idx[0] * dim);
  }
  return { data, n: set.size, dim };
}

/** Fits the floor on `train` (choosing the L2 strength on `val` when given) and evaluates it on `test`. */
export async function pixelsLogreg(train: LabeledImages, test: LabeledImages, val: LabeledImages | null, o: { seed?: number; negativeClass?: number } = {}): Promise<EvalReport> {
  const trainX = await pixelRows(train);
  const select = val !== null;
  const valX = select ? await pixelRows(val) : trainX;
  const fit = await linearProbe(trainX, train.labels, valX, select ? val.labels : train.labels, train.numClasses, {
    lrs: [PIXELS_LOGREG.lr], weightDecays: select ? PIXELS_LOGREG.weightDecays : [PIXELS_LOGREG.fixedWeightDecay],
    epochs: PIXELS_LOGREG.epochs, seed: o.seed ?? 0, select: 'loss',
  });
  const probs = await probeProbabilities(fit, await pixelRows(test));
  return evaluateClassifier({ labels: test.labels, probs, numClasses: train.numClasses }, { negativeClass: o.negativeClass, bootstrapResamples: 0 });
}
