/**
 * The run monitor's tiles (stage, step, times, memory) as data. A running run shows its live
 * stage, step, ETAs and the engine's current memory; a finished one shows where it ended, its
 * own duration and the peak memory seen while it trained, never the engine's memory now.
 */
import type { RunDetail, StageInfo } from '../../../shared/schemas/run';
import { runEtaSeconds, stageSeconds, type EtaLive } from './eta';
import { countsSteps, formatDuration } from './series';

/** One tile: a label, its value, and an optional longer text for the tooltip. */
export interface Tile {
  id: string;
  label: string;
  value: string;
  title?: string;
}

/** What the tiles read besides the run. */
export interface TileInput {
  live: (EtaLive & { stage: string; runEtaSeconds: number | null }) | null;
  /** when the run's detail was read, and now (ms), for the running stage's ticking seconds */
  readAtMs: number;
  nowMs: number;
  /** the engine's resident memory now, and the peak recorded while this run trained (bytes) */
  memoryBytes?: number;
  peakBytes?: number;
  memoryTitle?: string;
}

/** Bytes as "497 MB". */
export function mb(bytes: number | undefined): string {
  return bytes === undefined ? '—' : `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** The stage a run ended in: the last one that ran (failed, interrupted or completed). */
export function finalStage(stages: readonly StageInfo[]): StageInfo | null {
  for (let i = stages.length - 1; i >= 0; i--) if (stages[i].status !== 'pending' && stages[i].status !== 'skipped') return stages[i];
  return null;
}

/** The step shown for a finished run: its final stage's, or the last training stage's when that one has no steps. */
function finalStep(stages: readonly StageInfo[], last: StageInfo): StageInfo {
  if (countsSteps(last) && last.totalSteps > 0) return last;
  for (let i = last.idx; i >= 0; i--) {
    const s = stages.find((x) => x.idx === i);
    if (s && countsSteps(s) && s.totalSteps > 0 && s.status !== 'pending') return s;
  }
  return last;
}

/** The tiles of the monitor for one run. */
export function runTiles(run: RunDetail, input: TileInput): Tile[] {
  const { live } = input;
  const elapsed = (s: StageInfo) => stageSeconds(s, input.readAtMs, input.nowMs);
  if (run.status === 'running') {
    const active = run.stages.find((s) => s.status === 'running') ?? null;
    const idx = live?.stageIdx ?? active?.idx;
    const stage = run.stages.find((s) => s.idx === idx) ?? active;
    const step = live ? `${live.step} / ${live.totalSteps}` : stage ? `${stage.doneSteps} / ${stage.totalSteps}` : '—';
    const eta = runEtaSeconds(run.stages, run.config.stages, run.config.batchSize * run.config.accumulate, live, elapsed);
    return [
      { id: 'stage', label: 'Stage', value: live?.stage ?? stage?.name ?? '—' },
      { id: 'step', label: stage?.kind === 'prepare' ? 'Decoded' : 'Step', value: step },
      { id: 'stage-eta', label: 'Stage ETA', value: formatDuration(live?.etaSeconds) },
      { id: 'run-eta', label: 'Run ETA', value: formatDuration(eta ?? live?.runEtaSeconds), title: 'the running stage and every stage after it, at the pace measured so far' },
      { id: 'memory', label: 'Memory', value: mb(input.memoryBytes), title: input.memoryTitle },
    ];
  }
  const last = finalStage(run.stages);
  const shown = last ? finalStep(run.stages, last) : null;
  const total = run.stages.reduce((n, s) => n + (elapsed(s) ?? 0), 0);
  const ended = run.status === 'queued' ? null : run.finishedAt;
  return [
    { id: 'stage', label: run.status === 'completed' ? 'Last stage' : 'Stopped in', value: last ? last.name : '—', title: last ? `${last.name}: ${last.status}` : undefined },
    { id: 'step', label: shown && shown !== last ? `Step (${shown.name})` : 'Step', value: shown ? `${shown.doneSteps} / ${shown.totalSteps}` : '—' },
    { id: 'stage-eta', label: 'Duration', value: last ? formatDuration(total) : '—', title: 'the stages\u2019 time added up' },
    { id: 'run-eta', label: 'Finished', value: ended ? new Date(ended).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' }) : '—', title: ended ? new Date(ended).toLocaleString() : undefined },
    { id: 'memory', label: 'Peak memory', value: mb(input.peakBytes), title: input.peakBytes === undefined ? 'the peak is recorded while the studio watches a run train' : 'the engine\u2019s largest resident memory while this run trained' },
  ];
}
