/**
 * The evaluate stage's fixed linear probe, taken where it measures the representation the run
 * built: on the backbone just before the last fine-tune stage changes it. The scores go to
 * probe.json in the run folder (so a run resumed inside that fine-tune still reports them) and
 * to the run's metrics as probe_* points of the fine-tune stage.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedStage, RunResultSummary } from '../../shared/schemas/run';
import { fixedProbe } from '../eval/fixed-probe';
import { cacheImages } from './images';
import { points, type StageContext } from './context';

type ProbeSummary = NonNullable<RunResultSummary['linearProbe']>;

/** The fixed-probe settings a run asks for (its evaluate stage's), or null. */
export function probeSettingsOf(stages: ResolvedStage[]): NonNullable<Extract<ResolvedStage, { kind: 'evaluate' }>['linearProbe']> | null {
  const e = stages.find((s): s is Extract<ResolvedStage, { kind: 'evaluate' }> => s.kind === 'evaluate');
  return e?.linearProbe ?? null;
}

/** Index of the stage before which the probe is taken: the last fine-tune on the labeled split. */
export function probeStageIdx(stages: ResolvedStage[]): number {
  return stages.findLastIndex((s) => s.kind === 'finetune' && s.pool === 'labeled');
}

function probePath(runDir: string): string {
  return join(runDir, 'probe.json');
}

/** The probe a run already took (after a resume), or null. */
export function readProbe(runDir: string): ProbeSummary | null {
  const p = probePath(runDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ProbeSummary) : null;
}

/** Takes the fixed probe of the run's backbone as it is now; writes probe.json and logs the result. */
export async function runProbe(ctx: StageContext): Promise<ProbeSummary | null> {
  const settings = probeSettingsOf(ctx.config.stages);
  if (!settings) return null;
  const d = ctx.data;
  const k = d.classNames.length;
  const r = await fixedProbe(ctx.backbone, cacheImages(d.labeled, d.train, k, d.mean, d.std), cacheImages(d.testCache, d.test, k, d.mean, d.std), settings, {
    seed: ctx.config.seed, negativeClass: d.negativeClass,
  });
  const probe: ProbeSummary = { loss: r.logLoss, auc: r.auc, f1: r.macroF1, accuracy: r.accuracy, confusion: r.confusion };
  writeFileSync(probePath(ctx.runDir), JSON.stringify(probe));
  ctx.emit('metrics', { points: points(ctx.stageIdx, 0, { probe_loss: probe.loss, probe_auc: probe.auc, probe_f1: probe.f1, probe_accuracy: probe.accuracy }) });
  ctx.emit('log', { level: 'info', message: `linear probe of the backbone before fine-tuning (${settings.epochs} passes, lr ${settings.lr}, weight decay ${settings.weightDecay}): test accuracy ${(probe.accuracy * 100).toFixed(1)} %` });
  return probe;
}
