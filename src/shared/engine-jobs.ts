/**
 * The engine's job table: every method the main process may request of the engine process, with
 * its params, its result and the events it emits. Types only (no tfjs): the engine's
 * `registerJob` and the host's `request` are both checked against it, so a missing, misnamed or
 * mistyped job fails to compile on the side that gets it wrong.
 */
import type { HealthReport, ImageRecord, ImageRole, ScanProgress } from './schemas/dataset';
import type { ResolvedStage, RunConfig, RunResultSummary } from './schemas/run';
import type { AugmentPolicyName, AugmentPreviewItem, CatalogEntryData, EngineMemory, ExportedModel, WeightCheck } from './contract/studio';

/** A description of one input of a dataset, as stored with the dataset. */
export type SourceSpec =
  | { kind: 'labeled-folder'; path: string; role?: 'labeled' | 'test'; prefix?: string }
  | { kind: 'csv'; path: string; role?: 'labeled' | 'test'; prefix?: string }
  | { kind: 'unlabeled-folder'; path: string; prefix?: string }
  | { kind: 'source-folder'; path: string; prefix?: string };

/** What the store remembers of a file from an earlier scan. */
export interface KnownFile {
  byteSize: number;
  mtimeMs: number;
  sha256: string;
}

/** What `data.scan` takes: one dataset's inputs and what the store knows of them. */
export interface ScanJobParams {
  specs?: SourceSpec[];
  idx?: { images: string; labels?: string; classNames?: string[]; role: ImageRole };
  known?: Record<string, KnownFile & Partial<ImageRecord>>;
}

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
  /** the run's pretrain stages: each is timed with a real step of its method, heads and optimizer */
  pretrain?: Extract<ResolvedStage, { kind: 'pretrain' }>[];
}
export interface BenchmarkResult {
  backend: string;
  /** supervised training throughput (backbone, linear head, cross-entropy) */
  imagesPerSecond: number;
  stepMs: number;
  /** milliseconds of one self-supervised step per pretrain stage name (one micro-batch) */
  sslStepMs?: Record<string, number>;
}

/** Per-image results of one evaluation as stored in a run's predictions.json. */
export interface PredictionsFile {
  classNames: string[];
  keys: string[];
  /** cache index of each test image (to render thumbnails) */
  cacheDir: string | null;
  plain: { label: number; prediction: number; probability: number; loss: number }[];
  tta: { label: number; prediction: number; probability: number; loss: number }[] | null;
}

/** One image to preview: a file path, or `<idx file>#<index>` for an IDX image. */
export interface PreviewItem {
  absPath: string;
  relPath: string;
  label: string | null;
}

/** What `studio.augmentPreview` takes, and what it returns (PNG data URLs). */
export interface AugmentPreviewParams {
  items: PreviewItem[];
  policy: AugmentPolicyName;
  size: number;
  seed: number;
}
export interface AugmentPreview {
  policy: AugmentPolicyName;
  size: number;
  items: AugmentPreviewItem[];
}

/** What `models.export` takes: a run checkpoint of a fine-tune stage and where to write. */
export interface ExportParams {
  checkpointPath: string;
  arch: string;
  config: Record<string, unknown>;
  outDir: string;
  classNames?: string[];
  runId?: string;
}

/** The engine's backend report (`doctor`), as far as main reads it; the rest passes through. */
export interface EngineBackendReport {
  backend: string;
  threads: number;
  [key: string]: unknown;
}

/** Every engine job: params, result, and the events it emits (name → payload). */
export interface EngineJobs {
  ping: { params: Record<string, never>; result: { pid: number; uptime: number }; events: Record<string, never> };
  doctor: { params: Record<string, never>; result: EngineBackendReport; events: Record<string, never> };
  /** sleeps, reporting progress: tests cancellation and crash handling end to end */
  sleep: { params: { ms?: number }; result: { slept: number }; events: { progress: { done: number; total: number } } };
  'run.execute': { params: ExecuteParams; result: ExecuteResult; events: RunEventMap };
  'run.benchmark': { params: BenchmarkParams; result: BenchmarkResult; events: Record<string, never> };
  'data.scan': { params: ScanJobParams; result: { count: number }; events: { records: ImageRecord[]; progress: ScanProgress } };
  'data.health': { params: { records: ImageRecord[] }; result: HealthReport; events: Record<string, never> };
  'data.thumbnails': { params: { items: { absPath: string }[]; size: number }; result: string[]; events: Record<string, never> };
  'studio.augmentPreview': { params: AugmentPreviewParams; result: AugmentPreview; events: Record<string, never> };
  'models.catalog': { params: Record<string, never>; result: { architectures: string[]; entries: CatalogEntryData[] }; events: Record<string, never> };
  'models.checkWeights': { params: { path: string; arch: string; config?: Record<string, unknown> }; result: WeightCheck; events: Record<string, never> };
  'models.export': { params: ExportParams; result: ExportedModel; events: Record<string, never> };
  'studio.memory': { params: Record<string, never>; result: EngineMemory; events: Record<string, never> };
}
export type EngineJobName = keyof EngineJobs;
export type JobParams<K extends EngineJobName> = EngineJobs[K]['params'];
export type JobResult<K extends EngineJobName> = EngineJobs[K]['result'];

/** An event of job K as the host delivers it: its name and payload, paired. */
export type JobEvent<K extends EngineJobName> = { [E in keyof EngineJobs[K]['events']]: [E, EngineJobs[K]['events'][E]] }[keyof EngineJobs[K]['events']];
