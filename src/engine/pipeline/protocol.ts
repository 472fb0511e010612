/**
 * What the main process sends with `run.execute` and the events the engine emits while a run
 * executes. Types only: main imports them to persist events, the engine to send them.
 */
import type { RunConfig, RunResultSummary } from '../../shared/schemas/run';

/** Parameters of the `run.execute` job. */
export interface ExecuteParams {
  runId: string;
  /** the run's folder: checkpoints, split, predictions, model export */
  runDir: string;
  /** the project's decode-cache folder (shared by runs) */
  cacheRoot: string;
  config: RunConfig;
  /** the newest checkpoint to continue from (null: start at the beginning) */
  resumeFrom: string | null;
  /** the SHA-256 recorded for `resumeFrom`; the engine refuses a file that does not match */
  resumeSha256?: string | null;
}

/** Event names of `run.execute`, with their payloads. */
export interface RunEventMap {
  stage: { stageIdx: number; status: 'running' | 'completed' | 'skipped'; totalSteps: number };
  progress: { stageIdx: number; step: number; totalSteps: number };
  metrics: { points: { stageIdx: number; name: string; step: number; value: number }[] };
  checkpoint: { stageIdx: number; step: number; path: string; sha256: string; byteSize: number; final: boolean };
  artifact: { kind: string; path: string; meta?: unknown };
  log: { level: 'info' | 'warn' | 'error'; message: string };
}
export type RunEventName = keyof RunEventMap;

/** How `run.execute` ends without an error. */
export interface ExecuteResult {
  status: 'completed' | 'paused';
  summary: RunResultSummary | null;
}

/** Parameters and result of `run.benchmark` (the estimate's measurement). */
export interface BenchmarkParams {
  arch: string;
  config: Record<string, unknown>;
  size: number;
  batch: number;
}
export interface BenchmarkResult {
  backend: string;
  imagesPerSecond: number;
  stepMs: number;
}
