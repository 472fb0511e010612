/**
 * The one plan of a fine-tune stage's optimiser steps, used by the estimate (main) and by the
 * engine, so the two never disagree. Few labels are the product's premise, so a stage is
 * planned in steps: `epochs` passes over the labeled train split, stretched to at least
 * `minSteps` optimiser steps (100 labels at batch 16 are 6 steps an epoch; 30 epochs alone
 * would be 180 steps, too few to train a network). `steps` fixes the count outright.
 * The batch is fitted to the train split (at most half of it, a power of two), so a batch
 * written for a large data set never refuses a small one.
 */

/** The fields of a fine-tune stage the plan reads. */
export interface FinetunePlanInput {
  mode: 'lp' | 'ft' | 'lp-ft' | 'daft' | 'freeze-unfreeze';
  epochs: number;
  headEpochs: number;
  /** explicit optimiser steps of the whole stage (head phase included) */
  steps?: number | undefined;
  /** the fewest optimiser steps of the stage when planned from epochs */
  minSteps: number;
  /** the stage's own batch (otherwise the run's, fitted to the train split) */
  batchSize?: number | undefined;
  maxStepsPerEpoch?: number | undefined;
}

/** Steps of a fine-tune stage. */
export interface FinetunePlan {
  /** images per optimiser step */
  batch: number;
  /** full batches in one pass over the train split */
  stepsPerEpoch: number;
  /** head-only steps first (lp: all of them; lp-ft and freeze-unfreeze: the head phase) */
  headSteps: number;
  totalSteps: number;
  /** validate (and consider early stopping) every this many steps */
  validateEvery: number;
}

/** Validation checks over a stage: about 20, and never more often than once per epoch. */
export const VALIDATIONS_PER_STAGE = 20;

/** The largest power of two ≤ n (n ≥ 1). */
function pow2Floor(n: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, n)));
}

/**
 * The batch fine-tuning uses: the stage's own batch if it set one, else the run's batch capped
 * at half of the train split (rounded down to a power of two), so an epoch has ≥ 2 steps.
 */
export function finetuneBatch(stage: Pick<FinetunePlanInput, 'batchSize'>, trainN: number, runBatch: number): number {
  if (stage.batchSize !== undefined) return Math.max(1, Math.min(stage.batchSize, trainN));
  return Math.max(1, Math.min(runBatch, pow2Floor(trainN / 2)));
}

/** Plans a fine-tune stage on `trainN` labeled train images. */
export function planFinetune(stage: FinetunePlanInput, trainN: number, runBatch: number): FinetunePlan {
  const batch = finetuneBatch(stage, trainN, runBatch);
  const stepsPerEpoch = Math.max(1, Math.min(Math.floor(trainN / batch), stage.maxStepsPerEpoch ?? Infinity));
  const hasHead = stage.mode === 'freeze-unfreeze' || stage.mode === 'lp-ft';
  const headEpochs = stage.mode === 'lp' ? stage.epochs : hasHead ? stage.headEpochs : 0;
  const fullEpochs = stage.mode === 'lp' ? 0 : stage.epochs;
  const fromEpochs = (headEpochs + fullEpochs) * stepsPerEpoch;
  const totalSteps = stage.steps ?? Math.max(fromEpochs, stage.minSteps);
  // the head phase keeps its share of the stage when the stage is stretched or fixed
  const headSteps = stage.mode === 'lp' ? totalSteps : hasHead && fromEpochs > 0 ? Math.round((totalSteps * headEpochs) / (headEpochs + fullEpochs)) : 0;
  const validateEvery = Math.max(stepsPerEpoch, Math.ceil(totalSteps / VALIDATIONS_PER_STAGE));
  return { batch, stepsPerEpoch, headSteps, totalSteps, validateEvery };
}
