/**
 * Aggregates a study's per-seed results into the report: mean ± std over seeds of every arm's
 * linear-probe and fine-tune accuracy and macro-F1, paired differences to `base` and `scratch`
 * (mean and per seed, computed within a seed, where all arms share one labeled draw and one
 * test set), pretraining steps and wall time. Checks the paired design while doing it.
 */
import { ARM_NAMES, type ArmName } from './arms';
import type { ArmSeedResult, StudyResult } from './run-study';
import type { MeanStd } from '../../../shared/schemas/run';
import { meanStd } from '../../../shared/stats';

/** A paired difference (arm − reference, as a fraction) per seed, with its mean and std over seeds. */
export interface PairedDiff {
  mean: number;
  std: number;
  perSeed: Array<{ seed: number; diff: number }>;
}

/** One arm of the report. */
export interface ArmSummary {
  name: ArmName;
  linearProbe: { accuracy: MeanStd; macroF1: MeanStd };
  finetune: { accuracy: MeanStd; macroF1: MeanStd };
  paired: Record<'vsBase' | 'vsScratch', { linearProbe: PairedDiff; finetune: PairedDiff }>;
  /** the arm's own self-supervised target steps, and the supervised source steps it inherits */
  pretrainSteps: number;
  baseSteps: number;
  /** mean wall seconds per seed of the arm's own work; `secondsTotal` over all seeds */
  seconds: number;
  secondsTotal: number;
  seeds: number[];
}

/** The whole report (the `--json` object). */
export interface StudySummary {
  study: 'fashion-mnist';
  budget: string;
  seeds: number[];
  /** the paired design: one labeled draw and one test set per seed, shared by every arm */
  draws: Array<{ seed: number; drawId: string; testId: string; labeled: number; testSize: number }>;
  arms: ArmSummary[];
  counts: StudyResult['counts'];
  base: StudyResult['base'];
  seconds: number;
}

function paired(rows: ArmSeedResult[], ref: ArmSeedResult[], pick: (r: ArmSeedResult) => number): PairedDiff {
  // seeds where the reference arm is missing (an interrupted study) are left out
  const perSeed = rows.flatMap((r) => {
    const other = ref.find((x) => x.seed === r.seed);
    return other ? [{ seed: r.seed, diff: pick(r) - pick(other) }] : [];
  });
  return { ...meanStd(perSeed.map((p) => p.diff)), perSeed };
}

/** Checks that every arm of a seed used the same labeled draw and test set; returns the draws. */
export function checkPaired(results: ArmSeedResult[]): StudySummary['draws'] {
  const bySeed = new Map<number, ArmSeedResult>();
  for (const r of results) {
    const first = bySeed.get(r.seed);
    if (!first) bySeed.set(r.seed, r);
    else if (first.drawId !== r.drawId || first.testId !== r.testId || first.testSize !== r.testSize) {
      throw new Error(`study: seed ${r.seed} is not paired: arm ${r.arm} used draw ${r.drawId} / test ${r.testId}, arm ${first.arm} used ${first.drawId} / ${first.testId}`);
    }
  }
  return [...bySeed.values()].map((r) => ({ seed: r.seed, drawId: r.drawId, testId: r.testId, labeled: r.labeledCount, testSize: r.testSize }));
}

/** Builds the report from a study's results. */
export function summarizeStudy(s: StudyResult): StudySummary {
  const draws = checkPaired(s.results);
  const of = (arm: ArmName) => s.results.filter((r) => r.arm === arm);
  const lp = (r: ArmSeedResult) => r.linearProbe.accuracy;
  const ft = (r: ArmSeedResult) => r.finetune.accuracy;
  const arms = ARM_NAMES.filter((a) => of(a).length > 0).map((name): ArmSummary => {
    const rows = of(name);
    const seconds = rows.map((r) => r.seconds);
    return {
      name,
      linearProbe: { accuracy: meanStd(rows.map(lp)), macroF1: meanStd(rows.map((r) => r.linearProbe.macroF1)) },
      finetune: { accuracy: meanStd(rows.map(ft)), macroF1: meanStd(rows.map((r) => r.finetune.macroF1)) },
      paired: {
        vsBase: { linearProbe: paired(rows, of('base'), lp), finetune: paired(rows, of('base'), ft) },
        vsScratch: { linearProbe: paired(rows, of('scratch'), lp), finetune: paired(rows, of('scratch'), ft) },
      },
      pretrainSteps: rows[0].pretrainSteps,
      baseSteps: rows[0].baseSteps,
      seconds: meanStd(seconds).mean,
      secondsTotal: seconds.reduce((a, b) => a + b, 0),
      seeds: rows.map((r) => r.seed),
    };
  });
  return { study: 'fashion-mnist', budget: s.budget.name, seeds: s.seeds, draws, arms, counts: s.counts, base: s.base, seconds: s.seconds };
}
