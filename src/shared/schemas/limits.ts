/**
 * Upper limits of the numbers a recipe or a sidecar may hold: as far as a real run on one GPU
 * can reach, so that a typo (`steps: 1e12`) is refused before anything runs instead of
 * becoming a "~125346118h" estimate. Each limit has a plain message naming the field, the
 * allowed range and the value given ("pretrain steps must be at most 1,000,000 (got 1e12)").
 *
 * Why these numbers: an RTX 2070 does ~10 optimiser steps a second on a small backbone, so a
 * million steps is more than a day of training; 10,000 epochs covers a tiny labeled set
 * trained for a long time; 100 million images is ten times ImageNet-21k; a MoCo queue of a
 * million keys is 16× the paper's 65,536; a batch of 65,536 is 16× SimCLR's largest.
 */
import { z } from 'zod';

/** Optimiser steps of a pretraining stage (and of HPT source-selection probes). */
export const MAX_PRETRAIN_STEPS = 1_000_000;
/** Optimiser steps of a fine-tuning stage (`steps`, `minSteps`, `maxStepsPerEpoch`). */
export const MAX_FINETUNE_STEPS = 1_000_000;
/** Passes over a data set (pretrain `epochs`, finetune `epochs` and `headEpochs`). */
export const MAX_EPOCHS = 10_000;
/** Validations without improvement before fine-tuning stops early. */
export const MAX_PATIENCE = 1_000;
/** Images per optimiser step (a run's `batchSize`, a stage's `batchSize`). */
export const MAX_BATCH = 65_536;
/** Micro-batches per optimiser step. */
export const MAX_ACCUMULATE = 1_024;
/** Steps between checkpoints, metric logs or kNN monitors. */
export const MAX_EVERY_STEPS = 1_000_000;
/** Images taken from an IDX file (`limit`), and labels per class in a label budget. */
export const MAX_IMAGES = 100_000_000;
/** Classes picked from an IDX file, and class names given for one. */
export const MAX_CLASSES = 100_000;
/** Length of one class name. */
export const MAX_NAME_LENGTH = 200;
/** Keys in a MoCo queue. */
export const MAX_QUEUE_SIZE = 1_000_000;
/** Width of a projector or predictor layer. */
export const MAX_HEAD_WIDTH = 65_536;
/** Learning rate at batch 256 (SimCLR's LARS uses 0.3–4.8; 100 is far past any recipe). */
export const MAX_LR = 100;
/** Weight decay (1 would shrink every weight to zero within a few steps). */
export const MAX_WEIGHT_DECAY = 1;
/** Softmax temperature of MoCo / SimCLR / SwAV: below 0.001 the logits overflow float32. */
export const MIN_TEMPERATURE = 0.001;
/** Softmax temperature, upper end. */
export const MAX_TEMPERATURE = 100;
/** Dead-filter threshold of the P2X fix (a fraction of the layer's mean filter norm). */
export const MAX_DEAD_FILTER_THRESHOLD = 100;
/** Bootstrap resamples of the confidence intervals. */
export const MAX_BOOTSTRAP = 10_000;

/**
 * Normalisation of a model's input (sidecars): pixels are in [0, 1], so a channel's std is
 * at most 0.5 in real data; below 0.001 (a quarter of one 8-bit grey level) a channel is
 * constant and dividing by its std only amplifies noise by a thousand or more.
 */
export const MIN_NORMALIZATION_STD = 0.001;
/** Largest std of an input channel accepted in a sidecar. */
export const MAX_NORMALIZATION_STD = 10;
/** Largest |mean| of an input channel accepted in a sidecar. */
export const MAX_NORMALIZATION_MEAN = 10;
/** Input channels of every model (images are decoded as RGB). */
export const INPUT_CHANNELS = 3;

/** A number as the user would write it: `1,000,000`, `0.001`, and `1e12` for the very large or small. */
export function showNumber(n: unknown): string {
  if (n === null) return 'null';
  if (typeof n !== 'number') return typeof n === 'string' ? JSON.stringify(n.slice(0, 40)) : typeof n;
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e9 || (abs > 0 && abs < 1e-4)) return n.toExponential().replace('e+', 'e');
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return String(n);
}

/**
 * A whole number in min..max, with messages naming `what` ("pretrain steps must be at most
 * 1,000,000 (got 1e12)"). Infinity and NaN are refused too (zod 4 numbers are finite).
 */
export function wholeNumber(what: string, min: number, max: number) {
  const range = `a whole number from ${showNumber(min)} to ${showNumber(max)}`;
  return z
    .number({ error: (iss) => `${what} must be ${range} (got ${showNumber(iss.input)})` })
    .int({ error: (iss) => `${what} must be ${range} (got ${showNumber(iss.input)})` })
    .min(min, { error: (iss) => `${what} must be at least ${showNumber(min)} (got ${showNumber(iss.input)})` })
    .max(max, { error: (iss) => `${what} must be at most ${showNumber(max)} (got ${showNumber(iss.input)})` });
}

/** A number above 0 and at most `max`, with messages naming `what`. */
export function positiveNumber(what: string, max: number) {
  return z
    .number({ error: (iss) => `${what} must be a number above 0 and at most ${showNumber(max)} (got ${showNumber(iss.input)})` })
    .gt(0, { error: (iss) => `${what} must be above 0 (got ${showNumber(iss.input)})` })
    .max(max, { error: (iss) => `${what} must be at most ${showNumber(max)} (got ${showNumber(iss.input)})` });
}

/** A number in min..max (both included), with messages naming `what`. */
export function numberIn(what: string, min: number, max: number) {
  const range = `a number from ${showNumber(min)} to ${showNumber(max)}`;
  return z
    .number({ error: (iss) => `${what} must be ${range} (got ${showNumber(iss.input)})` })
    .min(min, { error: (iss) => `${what} must be at least ${showNumber(min)} (got ${showNumber(iss.input)})` })
    .max(max, { error: (iss) => `${what} must be at most ${showNumber(max)} (got ${showNumber(iss.input)})` });
}
