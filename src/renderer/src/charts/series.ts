/**
 * Metric series as the monitor keeps them: one sorted [x, value] array per stage and metric,
 * grown in place as event batches arrive (a re-logged step replaces its value), plus the
 * step offsets that lay the stages of a run end to end on one x axis.
 */
import type { MetricPointData, MetricSeries } from '../../../shared/schemas/run';

export type Point = [number, number];

/** Key of one stage's metric. */
export function seriesKey(stageIdx: number, name: string): string {
  return `${stageIdx}:${name}`;
}

/** Inserts a point keeping steps ascending; the same step replaces the old value. */
export function insertPoint(points: Point[], step: number, value: number): void {
  const last = points.length - 1;
  if (last < 0 || points[last][0] < step) {
    points.push([step, value]);
    return;
  }
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] < step) lo = mid + 1;
    else hi = mid;
  }
  if (points[lo][0] === step) points[lo] = [step, value];
  else points.splice(lo, 0, [step, value]);
}

/** Merges a batch of logged points into the store; returns the keys that changed. */
export function mergePoints(store: Map<string, Point[]>, batch: readonly MetricPointData[]): Set<string> {
  const touched = new Set<string>();
  for (const p of batch) {
    if (!Number.isFinite(p.value)) continue;
    const key = seriesKey(p.stageIdx, p.name);
    let arr = store.get(key);
    if (!arr) store.set(key, (arr = []));
    insertPoint(arr, p.step, p.value);
    touched.add(key);
  }
  return touched;
}

/** Builds the store from series fetched with `runs.metrics`. */
export function fromSeries(series: readonly MetricSeries[]): Map<string, Point[]> {
  const store = new Map<string, Point[]>();
  for (const s of series) store.set(seriesKey(s.stageIdx, s.name), s.points.map(([x, y]) => [x, y] as Point));
  return store;
}

/** Stage kinds whose steps are not optimiser steps (decoded images, operations, one evaluation). */
const UNSTEPPED = new Set(['prepare', 'adapt', 'evaluate']);

/** True when a stage's steps are training steps that count on the run's step axis. */
export function countsSteps(stage: { kind?: string }): boolean {
  return stage.kind === undefined || !UNSTEPPED.has(stage.kind);
}

/**
 * Cumulative step offsets of the stages (stage i starts where the earlier training stages
 * ended), so the run's axis counts optimiser steps from 0 as the Step tile does: the images
 * decoded by `prepare` and the operations of `adapt` or `evaluate` stages take no room.
 */
export function stageOffsets(stages: readonly { totalSteps: number; kind?: string }[]): number[] {
  const out: number[] = [];
  let acc = 0;
  for (const s of stages) {
    out.push(acc);
    if (countsSteps(s)) acc += Math.max(0, s.totalSteps);
  }
  return out;
}

/** One metric over the whole run: every stage's points shifted by its offset, in stage order. */
export function runLine(store: Map<string, Point[]>, name: string, offsets: readonly number[]): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const pts = store.get(seriesKey(i, name));
    if (!pts) continue;
    for (const [x, y] of pts) out.push([x + offsets[i], y]);
  }
  return out;
}

/** Seconds as "1 h 04 min", "3 min 20 s" or "12 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}
