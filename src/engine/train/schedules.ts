/**
 * Learning-rate and momentum schedules as pure functions of the step. Nothing here keeps
 * state, so a resumed run gets the same value for the same step.
 */

/** Linear scaling rule (Goyal et al. 2017; used by MoCo, SimCLR, BYOL): lr = base × batch / reference. */
export function scaleLrByBatch(baseLr: number, batchSize: number, referenceBatch = 256): number {
  if (!(batchSize > 0) || !(referenceBatch > 0)) throw new Error(`scaleLrByBatch: batch sizes must be > 0 (got ${batchSize}, ${referenceBatch})`);
  return (baseLr * batchSize) / referenceBatch;
}

/** Options of a cosine schedule with linear warm-up. */
export interface CosineScheduleOptions {
  /** peak value reached at the end of warm-up */
  base: number;
  /** total steps of the stage (the schedule reaches `final` at this step) */
  totalSteps: number;
  /** linear warm-up from `warmupStart` to `base` over this many steps (default 0) */
  warmupSteps?: number;
  warmupStart?: number;
  /** value at the last step (default 0) */
  final?: number;
}

/**
 * Cosine decay with linear warm-up (SGDR without restarts, Loshchilov & Hutter 2017):
 * value(step) for a 0-based step; steps past the end stay at `final`.
 */
export function cosineWithWarmup(step: number, o: CosineScheduleOptions): number {
  const warm = o.warmupSteps ?? 0;
  const final = o.final ?? 0;
  if (o.totalSteps <= 0) throw new Error(`cosineWithWarmup: totalSteps must be > 0, got ${o.totalSteps}`);
  if (step < warm) {
    const start = o.warmupStart ?? 0;
    return start + ((o.base - start) * (step + 1)) / warm;
  }
  const span = Math.max(1, o.totalSteps - warm);
  const progress = Math.min(1, (step - warm) / span);
  return final + (o.base - final) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/**
 * BYOL's target decay: τ = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, from τ_base at step 0 to 1 at
 * step K (Grill et al. 2020, sec. 3.2). Also used for MoCo when a cosine momentum is wanted.
 */
export function cosineMomentum(step: number, totalSteps: number, base = 0.996): number {
  if (totalSteps <= 0) return base;
  const k = Math.min(step, totalSteps);
  return 1 - ((1 - base) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
}

/** A learning-rate schedule: lr for a 0-based optimiser step. */
export type LrSchedule = (step: number) => number;

/** A constant schedule. */
export function constantLr(lr: number): LrSchedule {
  return () => lr;
}

/** A cosine-with-warm-up schedule bound to its options. */
export function cosineSchedule(o: CosineScheduleOptions): LrSchedule {
  return (step) => cosineWithWarmup(step, o);
}
