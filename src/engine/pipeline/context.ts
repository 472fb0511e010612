/** What every stage runner receives from the executor, and the shared checkpoint helper. */
import type { Backbone } from '../models/types';
import type { RunConfig } from '../../shared/schemas/run';
import type { JobContext } from '../jobs';
import type { SerializedTensors } from '../train/tensor-state';
import { serializeMap } from '../train/tensor-state';
import { writeRunCheckpoint, type RunCheckpoint } from './checkpoint';
import type { PreparedData } from './data';
import type { RunEventMap, RunEventName } from '../../shared/engine-jobs';

/** A stage's view of the run. */
export interface StageContext {
  runId: string;
  runDir: string;
  config: RunConfig;
  stageIdx: number;
  data: PreparedData;
  backbone: Backbone;
  signal: AbortSignal;
  /** a mid-stage checkpoint of this stage to continue from */
  resume: RunCheckpoint | null;
  emit<K extends RunEventName>(name: K, payload: RunEventMap[K]): void;
}

/** Sends a typed run event through a job context. */
export function emitter(job: JobContext<'run.execute'>): StageContext['emit'] {
  return (name, payload) => job.emit(name, payload);
}

/**
 * Writes a checkpoint of the current stage (the backbone always included) and reports it.
 * Throws (failing the run) when the file cannot be written; the previous checkpoint stays.
 * The backbone is read back asynchronously; the caller must not train until this resolves.
 */
export async function saveCheckpoint(ctx: StageContext, step: number, final: boolean, groups: Record<string, SerializedTensors>, state: Record<string, unknown>): Promise<void> {
  const backbone = await serializeMap(ctx.backbone.params);
  const ck: RunCheckpoint = {
    meta: { version: 1, runId: ctx.runId, stageIdx: ctx.stageIdx, step, final, state },
    groups: { backbone, ...groups },
  };
  const written = writeRunCheckpoint(ctx.runDir, ck);
  ctx.emit('checkpoint', { stageIdx: ctx.stageIdx, step, path: written.path, sha256: written.sha256, byteSize: written.byteSize, final });
}

/** Metric points of one step. */
export function points(stageIdx: number, step: number, values: Record<string, number | undefined>): RunEventMap['metrics']['points'] {
  return Object.entries(values)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
    .map(([name, value]) => ({ stageIdx, name, step, value }));
}

/**
 * Images per forward-only batch (validation, evaluation): twice the run's training batch,
 * between 16 and 128, so a batch chosen to fit memory (a big backbone at 224 px on batch 8)
 * is not evaluated 128 at a time.
 */
export function forwardBatch(config: RunConfig): number {
  return Math.min(128, Math.max(16, 2 * config.batchSize));
}
