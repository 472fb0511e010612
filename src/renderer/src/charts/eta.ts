/**
 * Time of a run's stages as the monitor shows it: the running stage's elapsed seconds (ticking
 * between reads of the run), and the time left in the whole run, the running stage plus every
 * stage still pending, from the pace measured so far. A self-supervised step sees two views
 * and a target forward (≈ 2.5 supervised images per image of the batch), as the estimate
 * before the run assumes; fine-tuning steps cost their own batch.
 */
import type { ResolvedStage, StageInfo } from '../../../shared/schemas/run';
import { countsSteps } from './series';

/** The live progress of the running stage, as the store keeps it. */
export interface EtaLive {
  stageIdx: number;
  step: number;
  totalSteps: number;
  etaSeconds: number | null;
}

/** Seconds a stage has run: its stored seconds, plus the time since they were read while it runs. */
export function stageSeconds(stage: Pick<StageInfo, 'status' | 'seconds'>, readAtMs: number, nowMs: number): number | null {
  if (stage.seconds === null) return stage.status === 'running' ? Math.max(0, (nowMs - readAtMs) / 1000) : null;
  return stage.status === 'running' ? stage.seconds + Math.max(0, (nowMs - readAtMs) / 1000) : stage.seconds;
}

/** Images processed by one optimiser step of a stage (0 for stages without training steps). */
export function stepCost(stage: Pick<StageInfo, 'kind'>, config: ResolvedStage | undefined, batch: number): number {
  if (!countsSteps(stage)) return 0;
  if (stage.kind === 'pretrain') return 2.5 * batch;
  const own = config && 'batchSize' in config ? config.batchSize : undefined;
  return typeof own === 'number' && own > 0 ? own : batch;
}

/**
 * Seconds left in the run: the running stage's own ETA (or its pace so far) plus the pending
 * stages at the pace of the training seen so far; null until a training step has been timed.
 * Stages without training steps (evaluation, adaptation) count as instantaneous.
 */
export function runEtaSeconds(stages: readonly StageInfo[], configStages: readonly ResolvedStage[], batch: number, live: EtaLive | null, elapsed: (s: StageInfo) => number | null): number | null {
  let cost = 0;
  let seconds = 0;
  for (const s of stages) {
    const c = stepCost(s, configStages[s.idx], batch);
    const t = elapsed(s);
    if (c === 0 || t === null || t <= 0) continue;
    const steps = s.status === 'running' ? (live?.stageIdx === s.idx ? live.step : s.doneSteps) : s.status === 'completed' ? s.totalSteps : 0;
    if (steps <= 0) continue;
    cost += steps * c;
    seconds += t;
  }
  if (cost === 0) return null;
  const perImage = seconds / cost;
  let left = 0;
  for (const s of stages) {
    const c = stepCost(s, configStages[s.idx], batch);
    if (s.status === 'running') {
      if (live?.stageIdx === s.idx && live.etaSeconds !== null && Number.isFinite(live.etaSeconds)) left += live.etaSeconds;
      else {
        const done = live?.stageIdx === s.idx ? live.step : s.doneSteps;
        const total = live?.stageIdx === s.idx ? live.totalSteps : s.totalSteps;
        left += Math.max(0, total - done) * c * perImage;
      }
    } else if (s.status === 'pending') left += Math.max(0, s.totalSteps) * c * perImage;
  }
  return left;
}
